"""Writing an output file whole or not at all (exports, the dashboard, workbooks)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Callable

_WHY = {
    errno.EISDIR: "同じ名前のフォルダがあります。ファイル名を指定してください",
    errno.ENOENT: "書き出す先のフォルダがありません（フォルダの名前を確かめるか、先にフォルダを作ってください）",
    errno.ENOTDIR: "書き出す先のフォルダの途中がファイルになっています",
    errno.EACCES: "書き込む権限がありません（Excel などで開いていれば閉じてください）",
    errno.EPERM: "書き込む権限がありません",
    errno.EROFS: "読み取り専用の場所です",
    errno.ENOSPC: "ディスクの空きがありません",
}


def reason(exc: OSError) -> str:
    """Why a file could not be read or written, in Japanese only (the system's own English
    ``strerror`` never reaches staff; an errno without a sentence is named by number)."""
    return _WHY.get(exc.errno or 0, f"読み書きできません（システムのエラー番号 {exc.errno}）" if exc.errno
                    else "読み書きできません")


def describe(exc: OSError) -> str:
    """A Japanese sentence for an OSError about a file (the file named)."""
    name = exc.filename or ""
    why = reason(exc)
    return f"{name}: {why}" if name else why


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary file beside ``path`` and put it in place; on any
    failure ``path`` is as it was and no temporary file is left behind.

    A ``path`` that is a symbolic link is written through: the file it points to gets
    the new content and the link stays (the new file is put in place beside the target).
    A missing folder is not created (a mistyped folder name would otherwise pass
    unnoticed): FileNotFoundError names the folder."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    folder = path.parent
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(folder))
        raise FileNotFoundError(errno.ENOENT, "No such directory", str(folder))
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
