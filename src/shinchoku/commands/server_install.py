"""`shinchoku server-install BARE_REPO`: put the pre-receive hook into a central repository."""

from __future__ import annotations

from pathlib import Path

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


def configure(p) -> None:
    p.add_argument("repo", metavar="BARE_REPO", help="中央のリポジトリ（bare リポジトリ）の場所")
    p.add_argument("--pusher-env", metavar="VAR", action="append",
                   help="送った人の利用者名が入る環境変数（複数指定できます。既定: GL_USERNAME・GITEA_PUSHER_NAME・REMOTE_USER）")
    p.add_argument("--hooks-dir", metavar="DIR",
                   help="フックを置くフォルダ（リポジトリからの相対パスも可。既定: リポジトリの hooks）")
    p.add_argument("--python", metavar="PATH",
                   help="フックが使う Python（既定: このコマンドを実行している Python）")
    p.add_argument("--force", action="store_true", help="別の pre-receive フックがあっても置き換えます")


def run(args) -> int:
    from shinchoku.store import repo_setup

    done = repo_setup.server_install(Path(args.repo), python=args.python, pusher_env=args.pusher_env,
                                     hooks_dir=Path(args.hooks_dir) if args.hooks_dir else None, force=args.force)
    print("\n".join(done.lines()))
    return 0
