"""`shinchoku install`: wire a clone of a records repository (hooks and drivers)."""

from __future__ import annotations

import sys
from pathlib import Path

DESCRIPTION = """\
記録リポジトリの複製（clone）に、コミット前の確認（フック）と、項目ごとのマージ・
差分表示を設定します。複製したあとに一度だけ実行してください。管理しているファイルは
変更しません（設定は .git/config に書きます）。

例:
  git clone https://git.example.city.lg.jp/kyodo/shinchoku-records.git
  cd shinchoku-records
  shinchoku install

終了コード: 0 できた、1 できなかった、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所（省略すると現在のフォルダ）")


def run(args) -> int:
    from shinchoku.store import GitError, Store, repo_setup

    root = Path(args.repo or ".").resolve()
    try:
        with Store(root) as store:
            problem = repo_setup.checkout_problem(store)
        if problem:
            print(f"shinchoku: 設定しませんでした。{problem}", file=sys.stderr)
            return 1
        for line in repo_setup.install(root):
            print(line)
    except GitError as exc:
        print(f"shinchoku: {exc.message}", file=sys.stderr)
        return 1
    return 0
