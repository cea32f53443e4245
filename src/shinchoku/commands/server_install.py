"""`shinchoku server-install BARE_REPO`: put the pre-receive hook into a central repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shinchoku import bundled

DESCRIPTION = """\
中央のリポジトリ（サーバー上の bare リポジトリ）に、送られてきた変更を確認するフック
（pre-receive）を入れます。入れたあとは、送られてきたコミットを1件ずつ確認し、
書式や内容に問題があるもの、records/access.yaml の決まり（どの人がどの課の報告を
変えられるか、締切の年度は調整担当だけ）に合わないものを受け付けません。

フックは、このコマンドを実行した Python（shinchoku が入っているもの）を使います
（git config shinchoku.python に記録します）。

送った人の利用者名は、サーバーが渡す環境変数から読みます
（GitLab: GL_USERNAME、Gitea: GITEA_PUSHER_NAME、git http-backend: REMOTE_USER）。
ほかの変数を使うときは --pusher-env で指定してください。

例:
  shinchoku server-install /srv/git/shinchoku.git
  shinchoku server-install /srv/git/shinchoku.git --pusher-env REMOTE_USER
  shinchoku server-install /var/opt/gitlab/git-data/repositories/@hashed/ab/cd/abcd.git \\
      --hooks-dir custom_hooks/pre-receive.d

終了コード: 0 入れた、1 入れられなかった、2 使い方の誤り
"""

HOOK = "pre-receive"


def configure(p) -> None:
    p.add_argument("repo", metavar="BARE_REPO", help="中央のリポジトリ（bare リポジトリ）の場所")
    p.add_argument("--pusher-env", metavar="VAR", action="append",
                   help="送った人の利用者名が入る環境変数（複数指定できます。既定: GL_USERNAME・GITEA_PUSHER_NAME・REMOTE_USER）")
    p.add_argument("--hooks-dir", metavar="DIR",
                   help="フックを置くフォルダ（リポジトリからの相対パスも可。既定: リポジトリの hooks）")
    p.add_argument("--python", metavar="PATH",
                   help="フックが使う Python（既定: このコマンドを実行している Python）")
    p.add_argument("--force", action="store_true", help="別の pre-receive フックがあっても置き換えます")


def shim_source() -> Path:
    """The shim: the package copy when installed (``shinchoku/_hooks``), else the checkout's."""
    candidate = bundled("hooks") / HOOK
    if candidate.is_file():
        return candidate
    raise FileNotFoundError(HOOK)


def run(args) -> int:
    from shinchoku.store import GitError, Store

    repo = Path(args.repo)
    try:
        store = Store(repo)
    except GitError as exc:
        print(f"shinchoku: {exc.message}", file=sys.stderr)
        return 1
    with store:
        if not store.bare:
            print(f"shinchoku: {repo} は bare リポジトリではありません"
                  "（中央のリポジトリは git init --bare で作ったものを指定してください）", file=sys.stderr)
            return 1
        python = args.python or os.environ.get("SHINCHOKU_PYTHON") or sys.executable
        if not _has_shinchoku(python):
            print(f"shinchoku: {python} では shinchoku を読み込めません"
                  "（shinchoku を入れた Python を --python で指定してください）", file=sys.stderr)
            return 1
        if args.hooks_dir:
            hooks = Path(args.hooks_dir)
            hooks = hooks if hooks.is_absolute() else repo / hooks
        else:
            hooks = Path(store.git("rev-parse", "--git-path", "hooks").strip())   # core.hooksPath too
            hooks = hooks if hooks.is_absolute() else Path(store.root) / hooks
        target = hooks / HOOK
        shim = shim_source().read_bytes()
        if target.exists() and target.read_bytes() != shim and not args.force:
            print(f"shinchoku: {target} には別の pre-receive フックがあります。"
                  "置き換えるときは --force を付けてください", file=sys.stderr)
            return 1
        hooks.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(shim)
        tmp.chmod(0o755)
        tmp.replace(target)
        notify_hook = _put_post_receive(hooks, args.force)
        store.git("config", "shinchoku.python", python)
        if args.pusher_env:
            names = " ".join(v for arg in args.pusher_env for v in arg.replace(",", " ").split())
            store.git("config", "shinchoku.pusherEnv", names)
        names = store.config("shinchoku.pusherEnv") or "GL_USERNAME GITEA_PUSHER_NAME REMOTE_USER"
        from shinchoku.store.repo_setup import central_head

        head_note = central_head(store)
        has_access = store.head() is not None and store.read_blob("HEAD", "records/access.yaml") is not None
    print(f"フックを入れました: {target}")
    print(f"  使う Python: {python}")
    print(f"  {notify_hook}")
    print(f"  送った人の利用者名: {'・'.join(names.split())} から読みます")
    if head_note:
        print(f"  {head_note}")
    if not has_access:
        print("  records/access.yaml はまだありません。最初の送信に access.yaml があれば、その送信から"
              "その決まりで確認します（shinchoku init --coordinator で指定した利用者名で送ってください）")
    return 0


def _put_post_receive(hooks: Path, force: bool) -> str:
    """The post-receive shim (the cycle's e-mail, shinchoku.sharing.notify); another hook of that
    name is kept unless ``force``.  Returns what was done, in Japanese."""
    source = bundled("hooks") / "post-receive"
    if not source.is_file():
        return "お知らせのメールのフック（post-receive）が見つからないため、入れていません"
    target = hooks / "post-receive"
    shim = source.read_bytes()
    if target.exists() and target.read_bytes() != shim and not force:
        return f"{target} には別のフックがあるため、お知らせのメールのフックは入れていません（--force で置き換えます）"
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(shim)
    tmp.chmod(0o755)
    tmp.replace(target)
    return "お知らせのメール（post-receive）: git config shinchoku.smtpHost を設定すると送ります"


def _has_shinchoku(python: str) -> bool:
    try:
        done = subprocess.run([python, "-I", "-c", "import shinchoku.hooks.receive"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
