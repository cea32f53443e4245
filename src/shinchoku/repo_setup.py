"""Setting up records repositories: a new one (``init``), a clone (``install``).

A clone is wired by configuration only: ``core.hooksPath`` points at the repository's
own ``hooks/`` (thin shims calling this package), ``shinchoku.python`` names the Python
that has shinchoku, and the field-level merge and diff drivers are registered.  Nothing
tracked is modified, so installing never leaves a diff behind.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from . import schema
from .store import ATTRIBUTES, Store, driver_config

_PACKAGE = Path(__file__).resolve().parent
HOOKS = ("pre-commit", "pre-receive")


def hooks_dir() -> Path:
    """The hook shims: the package's copy when installed, else the source tree's."""
    packaged = _PACKAGE / "_hooks"
    return packaged if (packaged / "pre-commit").is_file() else _PACKAGE.parents[1] / "hooks"


def copy_hooks(target: Path, names: tuple[str, ...] = HOOKS) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        dest = target / name
        shutil.copyfile(hooks_dir() / name, dest)
        dest.chmod(0o755)
        out.append(dest)
    return out


def install(root: Path) -> list[str]:
    """Wire an existing clone; returns what was done (Japanese, one line each)."""
    done = []
    with Store(root) as store:
        settings: dict[str, str] = {"shinchoku.python": sys.executable, **driver_config()}
        if (root / "hooks" / "pre-commit").is_file():
            settings["core.hooksPath"] = "hooks"
            done.append("コミット前の確認（hooks/pre-commit）を有効にしました")
        else:
            git_hooks = Path(store.git("rev-parse", "--git-path", "hooks").strip())
            copy_hooks(root / git_hooks if not git_hooks.is_absolute() else git_hooks, ("pre-commit",))
            done.append("コミット前の確認を .git/hooks に入れました")
        with store.repo.config_writer() as writer:          # .git/config, through GitPython
            for key, value in settings.items():
                section, option = key.rsplit(".", 1)
                if section.count(".") == 1:                  # merge.shinchoku -> [merge "shinchoku"]
                    name, sub = section.split(".")
                    section = f'{name} "{sub}"'
                writer.set_value(section, option, value)
        done.append("項目ごとのマージと差分表示（merge/diff ドライバー）を設定しました")
        if not store.config("user.name") or not store.config("user.email"):
            done.append("注意: コミットに残す名前とメールアドレスがまだ設定されていません。"
                        "git config user.name \"氏名\" と git config user.email \"メール\" で設定してください")
        attributes = root / ".gitattributes"
        if ATTRIBUTES.strip() not in (attributes.read_text(encoding="utf-8") if attributes.is_file() else ""):
            info = Path(store.git("rev-parse", "--git-path", "info/attributes").strip())
            info = info if info.is_absolute() else root / info
            info.parent.mkdir(parents=True, exist_ok=True)
            existing = info.read_text(encoding="utf-8") if info.is_file() else ""
            if ATTRIBUTES.strip() not in existing:
                info.write_text(existing + ATTRIBUTES, encoding="utf-8")
            done.append(".gitattributes がないため、この PC の設定（.git/info/attributes）に登録しました")
    return done


def clone(url: str, root: Path) -> list[str]:
    """A staff member's clone, ready to use: cloned from ``url`` and wired (:func:`install`)."""
    Store.clone(url, root).close()
    return [f"中央のリポジトリを {root} に複製しました", *install(root)]


def scaffold(root: Path) -> None:
    """schema/, hooks/, .gitattributes and the access template in a new repository."""
    (root / "schema").mkdir(parents=True, exist_ok=True)
    for f in sorted(schema.schema_dir(None).glob("*.schema.json")):
        shutil.copyfile(f, root / "schema" / f.name)
    copy_hooks(root / "hooks")
    (root / ".gitattributes").write_text(ATTRIBUTES, encoding="utf-8", newline="\n")
    (root / "records").mkdir(exist_ok=True)
    template = _PACKAGE / "templates" / "access.yaml"
    if template.is_file() and not (root / "records" / "access.yaml").exists():
        shutil.copyfile(template, root / "records" / "access.yaml")
