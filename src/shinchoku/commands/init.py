"""`shinchoku init DIR`: a new records repository, ready to push to a central server."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from shinchoku.errors import ShinchokuError, UsageError
from shinchoku.words import no_such_file

DESCRIPTION = """\
新しい記録リポジトリを作ります。スキーマ（schema/）、計画（records/plan.yaml）、
フック（hooks/）、.gitattributes、利用者の決まりのひな形（records/access.yaml）を置き、
フックとマージの設定をして、最初のコミットをします（git の user.name と user.email が
設定されていれば）。計画は、進行管理シートから取り込む（--sheet）か、plan.yaml を
指定します（--plan）。

--coordinator には、調整担当（協働推進課）が中央のサーバーにログインするときの利用者名を
指定します。records/access.yaml には、この利用者名だけが調整担当として書かれ（各課の
担当者は書き方の例をコメントで示します）、最初の送信はこの利用者名で受け付けられます。
省略したときは、端末から実行していれば尋ねます。

例:
  shinchoku init shinchoku-records --sheet 進行管理シート.xlsx --coordinator kyodo-suzuki
  shinchoku init shinchoku-records --plan plan.yaml --coordinator kyodo-suzuki
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
    p.add_argument("--coordinator", metavar="NAME",
                   help="調整担当（協働推進課）がサーバーにログインするときの利用者名（例: kyodo-suzuki）")


def coordinator_name(given: str | None) -> str:
    """The coordinator's server login: ``--coordinator`` or, on a terminal, asked for; a
    usage error when there is none to be had or it cannot be a login name."""
    from shinchoku.store.repo_setup import USER_NAME

    name = given
    if name is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("調整担当（協働推進課）のサーバーの利用者名を --coordinator で指定してください"
                             "（例: shinchoku init shinchoku-records --sheet 進行管理シート.xlsx --coordinator kyodo-suzuki）。"
                             "この利用者名で最初の送信をします")
        try:
            name = input("調整担当（協働推進課）が中央のサーバーにログインするときの利用者名を入力してください"
                         "（例: kyodo-suzuki）: ")
        except EOFError:
            name = ""
    name = name.strip()
    if not name:
        raise UsageError("調整担当の利用者名が空です。--coordinator kyodo-suzuki のように指定してください")
    if not USER_NAME.match(name):
        raise UsageError(f"利用者名「{name}」は使えません（空白や制御文字を含まない、100文字までの名前にしてください。"
                         "サーバーにログインするときの名前です）")
    return name


def run(args) -> int:
    from shinchoku.importing import sheetimport
    from shinchoku.store import GitError, Store, repo_setup

    root = Path(args.dir).resolve()
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root} は空ではありません。新しいフォルダを指定してください")
    for given in (args.sheet, args.plan):
        if given and not Path(given).is_file():
            raise UsageError(no_such_file(given))
    coordinator = coordinator_name(args.coordinator)
    root.mkdir(parents=True, exist_ok=True)
    repo_setup.scaffold(root)
    if args.plan:
        shutil.copyfile(args.plan, root / "records" / "plan.yaml")
    else:
        from shinchoku.commands.import_sheet import report

        if report(sheetimport.import_sheet(Path(args.sheet), root)) != 0:
            raise ShinchokuError("シートの取り込みで問題が見つかりました（上の行を確かめてください）")
    repo_setup.write_access(root, coordinator)
    Store.create(root).close()                     # GitError: git's words under cli's Japanese heading
    for line in repo_setup.install(root):
        print(line)
    with Store(root) as store:
        try:
            author = store.author_from_config()
        except GitError:
            print(f"{root} を作りました。最初のコミットはまだです（git の名前とメールアドレスが設定されていません）。\n"
                  "次のように設定してから、コミットしてください:\n"
                  f"  cd {root}\n"
                  '  git config user.name "氏名"\n'
                  '  git config user.email "メールアドレス"\n'
                  "  git add -A\n"
                  '  git commit -m "記録リポジトリを作成"')
            return 0
        try:
            store.commit_all(author, "記録リポジトリを作成")
        except GitError as exc:
            raise ShinchokuError(f"{root} を作りましたが、最初のコミットができませんでした（{exc.message}）",
                                 kind=exc.kind, detail=exc.detail) from None
    print(f"{root} を作り、最初のコミットをしました。")
    print(f"records/access.yaml には、調整担当として {coordinator} だけを書きました"
          f"（最初の送信は、サーバーに {coordinator} としてログインして行ってください）")
    for line in next_steps(root, coordinator):
        print(line)
    return 0


def next_steps(root: Path, coordinator: str = "") -> list[str]:
    """What the coordinator does next: name the real users, open the year, push."""
    from shinchoku.model import plan as plan_mod

    try:
        plan = plan_mod.load(root / "records")
        waiting = [y.label for y in plan.years if y.open and not (root / "records" / y.label).is_dir()]
    except Exception:
        waiting = []
    steps = [f"受付中の{label}年度の記録を作ります: shinchoku year open {label} --yes" for label in waiting]
    who = f"{coordinator} として" if coordinator else ""
    steps.append(f"中央のリポジトリへ{who}送ります（サーバーの種類ごとの手順は docs/server.md）:\n"
                 "       git remote add origin https://git.example.city.lg.jp/kyodo/shinchoku-records.git\n"
                 "       git push -u origin main")
    steps.append("各課の担当者を records/access.yaml の「担当」に書き（例はコメントにあります）、"
                 "コミットして shinchoku sync で送ります")
    return ["次にすること:"] + [f"  {k}. {text}" for k, text in enumerate(steps, 1)]
