"""`shinchoku init DIR`: a new records repository, ready to push to a central server."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DESCRIPTION = """\
新しい記録リポジトリを作ります。スキーマ（schema/）、計画（records/plan.yaml）、
フック（hooks/）、.gitattributes、利用者の決まりのひな形（records/access.yaml）を置き、
フックとマージの設定をして、最初のコミットをします（git の user.name と user.email が
設定されていれば）。計画は、進行管理シートから取り込む（--sheet）か、plan.yaml を
指定します（--plan）。

例:
  shinchoku init shinchoku-records --sheet 進行管理シート.xlsx
  shinchoku init shinchoku-records --plan plan.yaml
  cd shinchoku-records
  git remote add origin https://git.example.city.lg.jp/kyodo/shinchoku-records.git
  git push -u origin main

終了コード: 0 できた、1 できなかった、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("dir", metavar="DIR", help="作るフォルダ（なければ作ります。空である必要があります）")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--sheet", metavar="FILE", help="取り込む進行管理シート（.xlsx か、タブ区切りの .txt/.tsv）")
    src.add_argument("--plan", metavar="FILE", help="計画ファイル（plan.yaml）")


def run(args) -> int:
    from .. import repo_setup
    from ..cli import main
    from ..store import GitError, Store

    root = Path(args.dir).resolve()
    if root.exists() and any(root.iterdir()):
        print(f"shinchoku: {root} は空ではありません。新しいフォルダを指定してください", file=sys.stderr)
        return 2
    for given in (args.sheet, args.plan):
        if given and not Path(given).is_file():
            print(f"shinchoku: ファイルがありません: {given}", file=sys.stderr)
            return 2
    root.mkdir(parents=True, exist_ok=True)
    repo_setup.scaffold(root)
    if args.plan:
        shutil.copyfile(args.plan, root / "records" / "plan.yaml")
    elif main(["import-sheet", args.sheet, "--repo", str(root)]) != 0:
        print("shinchoku: シートの取り込みで問題が見つかりました（上の行を確かめてください）", file=sys.stderr)
        return 1
    try:
        Store.create(root).close()
    except GitError as exc:
        print(f"shinchoku: {exc.message}（{exc.detail}）", file=sys.stderr)
        return 1
    for line in repo_setup.install(root):
        print(line)
    try:
        with Store(root) as store:
            author = store.author_from_config()
            store.git("add", "-A")
            store.git("commit", "-q", "-m", "記録リポジトリを作成", env=author.env())
    except GitError as exc:
        reason = exc.message.split("（")[0]
        print(f"{root} を作りました。最初のコミットはまだです（{reason}）。\n"
              "次のように設定してから、コミットしてください:\n"
              f"  cd {root}\n"
              '  git config user.name "氏名"\n'
              '  git config user.email "メールアドレス"\n'
              "  git add -A\n"
              '  git commit -m "記録リポジトリを作成"')
        return 0
    print(f"{root} を作り、最初のコミットをしました。")
    for line in next_steps(root):
        print(line)
    return 0


def next_steps(root: Path) -> list[str]:
    """What the coordinator does next: name the real users, open the year, push."""
    from .. import plan as plan_mod

    try:
        plan = plan_mod.load(root / "records")
        waiting = [y.label for y in plan.years if y.open and not (root / "records" / y.label).is_dir()]
    except Exception:
        waiting = []
    steps = ["records/access.yaml の利用者名（いまは例の名前が入っています）を、調整担当と各課の担当者の"
             "サーバーの利用者名に書き換えて、コミットします"]
    steps += [f"受付中の{label}年度の記録を作ります: shinchoku year open {label}" for label in waiting]
    steps.append("中央のリポジトリへ送ります:\n"
                 "       git remote add origin https://git.example.city.lg.jp/kyodo/shinchoku-records.git\n"
                 "       git push -u origin main")
    return ["次にすること:"] + [f"  {k}. {text}" for k, text in enumerate(steps, 1)]
