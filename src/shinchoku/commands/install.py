"""`shinchoku install`: wire a clone of a records repository (hooks and drivers)."""

from __future__ import annotations

from pathlib import Path

from shinchoku.errors import ShinchokuError

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
    from shinchoku.store import Store, repo_setup

    root = Path(args.repo or ".").resolve()
    with Store(root) as store:
        problem = repo_setup.checkout_problem(store)
    if problem:
        raise ShinchokuError(f"設定しませんでした。{problem}")
    for line in repo_setup.install(root):
        print(line)
    return 0
