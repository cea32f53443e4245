"""Setting up records repositories: a new one (``init``), a clone (``install``), the
central bare repository's hooks (:func:`server_install`).

A clone is wired by configuration only: ``core.hooksPath`` points at the repository's
own ``hooks/`` (thin shims calling this package), ``shinchoku.python`` names the Python
that has shinchoku, and the field-level merge and diff drivers are registered.  Nothing
tracked is modified, so installing never leaves a diff behind.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from shinchoku import PACKAGE_DIR
from shinchoku.model import plan as plan_mod
from shinchoku.model import schema, yamlio
from shinchoku.store import ATTRIBUTES, Store, driver_config

HOOKS = ("pre-commit", "pre-receive")


def hooks_dir() -> Path:
    """The hook shims: the package's copy when installed, else the source tree's."""
    from shinchoku import bundled

    return bundled("hooks")


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
            copy_hooks(store.git_path("hooks"), ("pre-commit",))
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
            info = store.git_path("info/attributes")
            info.parent.mkdir(parents=True, exist_ok=True)
            existing = info.read_text(encoding="utf-8") if info.is_file() else ""
            if ATTRIBUTES.strip() not in existing:
                info.write_text(existing + ATTRIBUTES, encoding="utf-8")
            done.append(".gitattributes がないため、この PC の設定（.git/info/attributes）に登録しました")
    return done


BRANCH = "main"
PLAN_RELPATH = plan_mod.PLAN_RELPATH


def checkout_problem(store: Store) -> str | None:
    """Why the clone at ``store`` is not a records repository ready to work in (Japanese,
    with what to do), or None.  An empty clone (the server's HEAD naming a branch that does
    not exist, or nothing pushed yet), another branch, a detached HEAD or a repository
    without records/plan.yaml would otherwise be "installed" and fail later, confusingly."""
    again = "。そのあとで、もう一度 shinchoku install を実行してください"
    ref = store.head_ref() or ""
    head = store.head()
    central = store.rev(f"origin/{BRANCH}") if store.has_remote() else None
    if head is None:
        if central:
            return ("この複製には、まだ何も取り出されていません（中央のリポジトリの HEAD が main を"
                    "指していないためです。サーバーの管理者に shinchoku server-install の実行を"
                    f"お願いしてください）。この PC では git switch {BRANCH} で取り出せます" + again)
        return ("この複製にはコミットがありません（中央のリポジトリがまだ空です）。調整担当が最初の送信"
                "（git push -u origin main）をしたあとで、git pull origin main で取り込んでください" + again)
    if not ref:
        return (f"この複製は枝（{BRANCH}）ではなく、特定のコミット（{head[:7]}）を取り出しています。"
                f"git switch {BRANCH} で {BRANCH} に切り替えてください" + again)
    if ref != f"refs/heads/{BRANCH}":
        name = ref.removeprefix("refs/heads/")
        return (f"この複製では枝「{name}」が取り出されています。記録は {BRANCH} で管理します。"
                f"git switch {BRANCH} で切り替えてください" + again)
    if store.read_blob("HEAD", PLAN_RELPATH) is None:
        return (f"{PLAN_RELPATH}（計画）がありません。記録リポジトリの複製ではないようです"
                "（複製した URL を確かめてください。新しく作るときは shinchoku init です）")
    return None


def central_head(store: Store) -> str:
    """Point a bare central repository's HEAD at ``main`` when it names a branch that does
    not exist yet (``git init --bare`` without ``-b main``), so clones check main out.
    Returns what was done or found (Japanese), "" when HEAD already names main."""
    ref = store.head_ref() or ""
    want = f"refs/heads/{BRANCH}"
    if ref == want:
        return ""
    if not ref:
        return (f"注意: HEAD が枝を指していません（{(store.head() or '')[:7]}）。複製で main を取り出すには: "
                f"git -C {store.root} symbolic-ref HEAD {want}")
    if store.rev(ref) is None:
        store.point_head(want)
        return (f"HEAD を {want} にしました（まだない枝 {ref.removeprefix('refs/heads/')} を指していたため。"
                "このままでは複製が空になります）")
    return (f"注意: HEAD は枝「{ref.removeprefix('refs/heads/')}」を指しています（main ではありません）。"
            f"複製ではこの枝が取り出されます。main にするには: git -C {store.root} symbolic-ref HEAD {want}")


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
    template = PACKAGE_DIR / "templates" / "access.yaml"
    if template.is_file() and not (root / "records" / "access.yaml").exists():
        shutil.copyfile(template, root / "records" / "access.yaml")


USER_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,100}$")     # schema/access.schema.json's 利用者名


def access_text(coordinator: str, departments: list[str]) -> str:
    """records/access.yaml for a new repository: the template's explanation, exactly one
    coordinator (the server login given to ``init --coordinator``) and the staff entries
    as commented examples naming the plan's own departments, so that nothing but
    ``coordinator`` is granted until someone writes real names in."""
    template = (PACKAGE_DIR / "templates" / "access.yaml").read_text(encoding="utf-8")
    header = []
    for line in template.splitlines():
        if line.startswith("#") or not line.strip():
            header.append(line)
        else:
            break
    while header and not header[-1].strip():
        header.pop()
    examples = (departments + ["指導室", "児童青少年課"])[:2]
    lines = [*header, "", "調整担当:", f"  - {yamlio.dump({'x': coordinator}).split(': ', 1)[1].rstrip()}", "",
             "# 各課の担当者を、サーバーの利用者名ごとに書きます（先頭の # を外して使います）:",
             "# 担当:",
             "#   yamada:",
             f"#     - {examples[0]}",
             "#   sato:",
             f"#     - {examples[1]}",
             f"#     - {examples[0]}",
             ""]
    return "\n".join(lines)


def write_access(root: Path, coordinator: str) -> None:
    """Write ``records/access.yaml`` granting ``coordinator`` the coordinator's rights."""
    from shinchoku.model import plan as plan_mod

    try:
        departments = plan_mod.load(root / "records").departments()
    except Exception:
        departments = []
    path = root / "records" / "access.yaml"
    path.write_text(access_text(coordinator, departments), encoding="utf-8", newline="\n")


# ----------------------------------------------------------------------------- the central repository

SERVER_HOOK = "pre-receive"
DEFAULT_PUSHER_ENV = "GL_USERNAME GITEA_PUSHER_NAME REMOTE_USER"


@dataclass
class ServerInstalled:
    """What :func:`server_install` did (its lines say it in Japanese)."""

    hook: Path
    python: str
    notify: str                 # what was done about the post-receive hook
    pusher_env: list[str]
    head_note: str              # :func:`central_head`'s finding ("" when HEAD names main)
    has_access: bool            # records/access.yaml is on the central branch already

    def lines(self) -> list[str]:
        out = [f"フックを入れました: {self.hook}", f"  使う Python: {self.python}", f"  {self.notify}",
               f"  送った人の利用者名: {'・'.join(self.pusher_env)} から読みます"]
        if self.head_note:
            out.append(f"  {self.head_note}")
        if not self.has_access:
            out.append("  records/access.yaml はまだありません。最初の送信に access.yaml があれば、その送信から"
                       "その決まりで確認します（shinchoku init --coordinator で指定した利用者名で送ってください）")
        return out


def server_install(repo: Path, *, python: str | None = None, pusher_env: list[str] | None = None,
                   hooks_dir: Path | None = None, force: bool = False) -> ServerInstalled:
    """Put the pre-receive hook (and the post-receive mail hook) into the bare central
    repository at ``repo``, record the Python that runs them and where the pusher's name
    is read from, and point an empty repository's HEAD at main.  A refusal
    (:class:`ShinchokuError`) changes nothing: not a bare repository, a Python without
    shinchoku, another pre-receive hook in the way (without ``force``)."""
    import os

    from shinchoku.errors import ShinchokuError

    with Store(repo) as store:
        if not store.bare:
            raise ShinchokuError(f"{repo} は bare リポジトリではありません"
                                 "（中央のリポジトリは git init --bare で作ったものを指定してください）")
        python = python or os.environ.get("SHINCHOKU_PYTHON") or sys.executable
        if not has_shinchoku(python):
            raise ShinchokuError(f"{python} では shinchoku を読み込めません"
                                 "（shinchoku を入れた Python を --python で指定してください）")
        if hooks_dir is not None:
            hooks = hooks_dir if hooks_dir.is_absolute() else repo / hooks_dir
        else:
            hooks = store.git_path("hooks")                     # core.hooksPath too
        target = hooks / SERVER_HOOK
        shim = (hooks_dir_source() / SERVER_HOOK).read_bytes()
        if target.exists() and target.read_bytes() != shim and not force:
            raise ShinchokuError(f"{target} には別の pre-receive フックがあります。"
                                 "置き換えるときは --force を付けてください")
        _put_shim(target, shim)
        notify = _put_post_receive(hooks, force)
        store.set_config("shinchoku.python", python)
        if pusher_env:
            store.set_config("shinchoku.pusherEnv", " ".join(v for arg in pusher_env for v in arg.replace(",", " ").split()))
        names = store.config("shinchoku.pusherEnv") or DEFAULT_PUSHER_ENV
        head_note = central_head(store)
        has_access = store.head() is not None and store.read_blob("HEAD", "records/access.yaml") is not None
    return ServerInstalled(target, python, notify, names.split(), head_note, has_access)


def hooks_dir_source() -> Path:
    """The server's hook shims: the package copy when installed, else the checkout's
    (FileNotFoundError naming the hook when neither has it)."""
    source = hooks_dir()
    if not (source / SERVER_HOOK).is_file():
        raise FileNotFoundError(SERVER_HOOK)
    return source


def _put_shim(target: Path, shim: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(shim)
    tmp.chmod(0o755)
    tmp.replace(target)


def _put_post_receive(hooks: Path, force: bool) -> str:
    """The post-receive shim (the cycle's e-mail, shinchoku.sharing.notify); another hook of that
    name is kept unless ``force``.  Returns what was done, in Japanese."""
    source = hooks_dir() / "post-receive"
    if not source.is_file():
        return "お知らせのメールのフック（post-receive）が見つからないため、入れていません"
    target = hooks / "post-receive"
    shim = source.read_bytes()
    if target.exists() and target.read_bytes() != shim and not force:
        return f"{target} には別のフックがあるため、お知らせのメールのフックは入れていません（--force で置き換えます）"
    _put_shim(target, shim)
    return "お知らせのメール（post-receive）: git config shinchoku.smtpHost を設定すると送ります"


def has_shinchoku(python: str) -> bool:
    """Whether ``python`` can import the server hook (it runs with that Python)."""
    import subprocess

    try:
        done = subprocess.run([python, "-I", "-c", "import shinchoku.hooks.receive"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
