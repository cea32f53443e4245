"""What may stand in a records repository's tree, whoever pushes it.

Every entry must be a folder or a regular, non-executable file (mode 100644) with a name
every clone can check out, on Linux, macOS and Windows alike.  The two hook shims
(``hooks/pre-commit``, ``hooks/pre-receive``) may be executable: ``core.hooksPath`` needs
them so.  Symlinks, gitlinks (submodules), ``.``/``..``/``.git`` entries, names Windows
cannot hold and names that are not UTF-8 are refused: each of them breaks ``sync``,
``check`` or a fresh clone somewhere.  So is a new name that differs from another in the
tree only by upper and lower case or by how its characters are composed (NFC/NFD): on
Windows and macOS the two are one file, so a clone there keeps only one of them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

REGULAR, EXECUTABLE, TREE, SYMLINK, GITLINK = "100644", "100755", "040000", "120000", "160000"
EXECUTABLE_OK = frozenset({"hooks/pre-commit", "hooks/pre-receive"})

_WINDOWS_BAD = re.compile(r'[<>:"|?*\\\x00-\x1f]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def entry_problem(path: str, mode: str) -> str | None:
    """Why ``path`` with git ``mode`` may not stand in the tree (None: it may)."""
    name = _name_problem(path)
    if name:
        return name
    if mode == REGULAR or mode == TREE:
        return None
    if mode == EXECUTABLE:
        if path in EXECUTABLE_OK:
            return None
        return ("実行できるファイル（実行権限付き）は置けません。"
                "実行権限を外してください（git update-index --chmod=-x または git add --chmod=-x）")
    if mode == SYMLINK:
        return "シンボリックリンクは置けません（ほかの PC で記録を取得できなくなります）。普通のファイルにしてください"
    if mode == GITLINK:
        return "サブモジュール（別のリポジトリへの参照）は置けません"
    return f"種類の分からない項目（git のモード {mode}）は置けません"


def _name_problem(path: str) -> str | None:
    if any("\udc80" <= ch <= "\udcff" for ch in path):          # surrogateescape'd bytes
        return "名前が UTF-8 になっていないファイルやフォルダは置けません"
    for part in path.split("/"):
        low = part.lower()
        if part in ("", ".", ".."):
            return f"「{part or '（空の名前）'}」という名前のファイルやフォルダは置けません（git やほかの PC の動作を壊します）"
        if low.rstrip(". ") == ".git" or low == "git~1":
            return f"「{part}」という名前のファイルやフォルダは置けません（git の管理用の名前です）"
        if _WINDOWS_BAD.search(part) or part != part.rstrip(". ") or _WINDOWS_RESERVED.match(part):
            return f"「{part}」は Windows の PC で扱えない名前です（記号 <>:\"|?*\\ や末尾の点・空白、CON などは使えません）"
    return None


def _folded(name: str) -> str:
    """A name as Windows and macOS compare names: composed characters, any case."""
    return unicodedata.normalize("NFC", name).lower()


def _folders_and_self(path: str) -> Iterable[str]:
    """``records``, ``records/R2``, ``records/R2/05.yaml`` for the last."""
    parts = path.split("/")
    return ("/".join(parts[:i]) for i in range(1, len(parts) + 1))


def name_clashes(paths: Iterable[str], added: Iterable[str]) -> dict[str, str]:
    """{added path: why}: each path of ``added`` whose name, or the name of one of its
    folders, differs from another among ``paths`` (the tree's files) only by case or
    composition.  Clashes between names that were there before are left alone."""
    spellings: dict[str, set[str]] = {}
    for path in paths:
        for prefix in _folders_and_self(path):
            spellings.setdefault(_folded(prefix), set()).add(prefix)
    out: dict[str, str] = {}
    for path in added:
        for prefix in _folders_and_self(path):
            others = sorted(spellings.get(_folded(prefix), set()) - {prefix})
            if others:
                out[path] = (f"「{prefix}」と「{others[0]}」は大文字・小文字（または文字の組み立て方）だけが違う名前です。"
                             "Windows や Mac の PC では同じ名前になり、片方しか取得できません。どちらかの名前にそろえてください")
                break
    return out
