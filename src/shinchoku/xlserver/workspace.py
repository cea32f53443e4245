"""The server's side of git: its data folder, the central repository, working clones.

* The data folder (``--data``, ``SHINCHOKU_SERVER_DATA``; default
  ``$XDG_DATA_HOME/shinchoku/server``) holds ``server.env`` (the operator's settings:
  licence key, central repository), ``users.json`` (hashed tokens) and ``clones/``.
* The central repository is ``SHINCHOKU_CENTRAL`` when set (a bare repository with
  ``shinchoku server-install``'s hook), else ``central.git`` in the data folder, made on
  first start from the records bundled with the checkout (:func:`ensure_central`).
* Staff PCs have no clone: each request borrows one of the server's working clones
  (:class:`Pool`), runs the button there and gives it back.  A clone is only ever used by
  one request at a time; what decides between two requests (or two server processes, or
  two hosts) is the central repository's atomic ref update, through ``sync.publish``.
  A clone that is not clean after a request (the process was killed, git left a lock)
  is thrown away and made again: clones are a cache, the central repository the truth.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from shinchoku import PACKAGE_DIR
from shinchoku.store import Author, GitError, Store, environment, repo_setup

ENV_DATA = "SHINCHOKU_SERVER_DATA"
ENV_CENTRAL = "SHINCHOKU_CENTRAL"
SETTINGS_FILE = "server.env"
FIRST_USER = "kyodo"
FIRST_USER_NAME = "協働推進課 調整担当"
SEED_AUTHOR = Author("shinchoku serve", "shinchoku@localhost")

ENV_TEMPLATE = """\
# shinchoku serve の設定（このファイルはサーバーのデータフォルダにあり、git には入りません）
#
# xlwings Server と xlwings の remote engine は「PolyForm Noncommercial 1.0.0」か
# 「xlwings PRO EULA」のもとで使えます。どちらで使うかを決めて、鍵を書いてください。
#   非商用の条件に当てはまると判断した場合:  XLWINGS_LICENSE_KEY=noncommercial
#   有償の鍵がある場合:                      XLWINGS_LICENSE_KEY=（受け取った鍵）
# 詳しくは docs/server.md の「ライセンス」をご覧ください。
# XLWINGS_LICENSE_KEY=

# 中央のリポジトリ（省略すると、このフォルダの central.git）
# SHINCHOKU_CENTRAL=/srv/git/shinchoku.git

# マニフェストに書くホスト名（HTTPS のリバースプロキシの名前。https:// は付けない）
# XLWINGS_HOSTNAME=shinchoku.city.example.lg.jp
"""


def default_data_dir() -> Path:
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "shinchoku" / "server"


def prepare_data_dir(data: Path) -> Path:
    """Make the data folder (private to the server's account) and its settings template."""
    data.mkdir(parents=True, exist_ok=True)
    try:
        data.chmod(0o700)
    except OSError:
        pass
    env = data / SETTINGS_FILE
    if not env.exists():
        env.write_text(ENV_TEMPLATE, encoding="utf-8")
    return data


def central_location(data: Path) -> str:
    return os.environ.get(ENV_CENTRAL) or str(data / "central.git")


def bundled_records() -> Path | None:
    """The records that come with the checkout (``records/`` beside ``src/``)."""
    here = PACKAGE_DIR.parents[1] / "records"
    return here if (here / "plan.yaml").is_file() else None


def ensure_central(data: Path) -> tuple[str, bool]:
    """The central repository's location, and whether it was made just now (from the
    bundled records, with ``kyodo`` as 調整担当 in ``records/access.yaml``)."""
    where = central_location(data)
    if os.environ.get(ENV_CENTRAL):
        return where, False
    central = Path(where)
    if (central / "HEAD").is_file():
        return where, False
    source = bundled_records()
    if source is None:
        raise GitError("中央のリポジトリがまだありません。SHINCHOKU_CENTRAL に既存の中央のリポジトリを指定するか、"
                       "記録（records/）のあるチェックアウトから shinchoku serve を実行してください")
    with tempfile.TemporaryDirectory(prefix="shinchoku-seed-") as tmp:
        seed = Path(tmp) / "seed"
        seed.mkdir()
        repo_setup.scaffold(seed)
        for item in source.iterdir():
            target = seed / "records" / item.name
            if item.is_dir():
                shutil.copytree(item, target, dirs_exist_ok=True)
            elif item.name != "access.yaml":
                shutil.copyfile(item, target)
        (seed / "records" / "access.yaml").write_text(
            "# 変更できる人（shinchoku serve が最初の起動で作りました。調整担当が書き換えてください）\n"
            f"調整担当:\n  - {FIRST_USER}\n", encoding="utf-8")
        with Store.create(seed) as store:
            store.commit_all(SEED_AUTHOR, "記録リポジトリを作成（shinchoku serve）", verify=False)
        building = central.with_name(central.name + ".new")
        shutil.rmtree(building, ignore_errors=True)
        Store.create(building, bare=True).close()
        repo_setup.server_install(building, pusher_env=["REMOTE_USER"])
        with Store(seed) as store, environment(REMOTE_USER=FIRST_USER):
            store.push_to(str(building), "main")
        os.replace(building, central)
    return where, True


class Pool:
    """Working clones of the central repository, one request at a time each."""

    def __init__(self, central: str, data: Path):
        self.central = central
        base = Path(data) / "clones"
        self.root = base / f"{socket.gethostname()}-{os.getpid()}"
        self._free: list[Path] = []
        self._lock = threading.Lock()
        self._made = 0
        _drop_dead(base)

    @contextlib.contextmanager
    def clone(self) -> Iterator[Path]:
        with self._lock:
            path = self._free.pop() if self._free else None
            if path is None:
                self._made += 1
                path = self.root / str(self._made)
        try:
            if not (path / ".git").is_dir():
                shutil.rmtree(path, ignore_errors=True)
                path.parent.mkdir(parents=True, exist_ok=True)
                repo_setup.clone(self.central, path)
                _no_commit_hook(path)
            yield path
        finally:
            if _clean(path):
                with self._lock:
                    self._free.append(path)
            else:
                shutil.rmtree(path, ignore_errors=True)     # made again by the next request

    def size(self) -> int:
        return self._made


def _no_commit_hook(path: Path) -> None:
    """A server clone commits only what ``sync.publish`` has just validated (schema, plan,
    canonical form) and pushes it at once to the central repository, whose pre-receive
    hook checks it again with the access rules: the pre-commit hook would check the same
    files a third time, at the cost of a Python start per 送信.  Hooks are pointed at an
    empty folder; the merge and diff drivers stay."""
    empty = path / ".git" / "shinchoku-no-hooks"
    empty.mkdir(parents=True, exist_ok=True)
    with Store(path) as store:
        store.set_config("core.hooksPath", str(empty))


def _clean(path: Path) -> bool:
    """Fit to lend again: a repository with a commit, no lock, nothing uncommitted."""
    if not (path / ".git").is_dir() or any((path / ".git").glob("*.lock")):
        return False
    try:
        with Store(path) as store:
            return store.head() is not None and store.is_clean()
    except GitError:
        return False


def _drop_dead(base: Path) -> None:
    """Remove the clones of server processes that no longer run on this host."""
    if not base.is_dir():
        return
    host = socket.gethostname()
    for d in base.iterdir():
        name, _, pid = d.name.rpartition("-")
        if name != host or not pid.isdigit():
            continue
        import psutil

        if not psutil.pid_exists(int(pid)):
            shutil.rmtree(d, ignore_errors=True)

