"""`shinchoku serve`: the add-in's buttons on xlwings Server (staff need only Excel)."""

from __future__ import annotations

from pathlib import Path

DESCRIPTION = """\
進捗管理のボタン（取得・チェック・送信・履歴・変更確認）を xlwings Server で提供します。
職員の PC には Excel だけがあればよく、Python も記録の複製も要りません。
記録の複製はサーバーが持ち、送信は中央のリポジトリのフックが確認します。

最初の起動では、データフォルダ（--data、既定 ~/.local/share/shinchoku/server）に、
同梱の記録から中央のリポジトリ（central.git）を作り、調整担当 kyodo のアクセスキーを
ファイルに書きます。xlwings のライセンスキーは、データフォルダの server.env か
環境変数 XLWINGS_LICENSE_KEY に設定してください（docs/server.md「ライセンス」）。

例:
  shinchoku serve                              # http://127.0.0.1:8000 で起動（Ctrl+C で停止）
  shinchoku serve --host 0.0.0.0 --port 8000
  shinchoku serve token add yamada --name "山田 花子" --email yamada@city.example --department 指導室
  shinchoku serve token revoke yamada
  shinchoku serve token list

終了コード: 0 正常に終了した、1 起動できなかった・できなかった、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("--host", default="127.0.0.1", help="待ち受けるアドレス（既定: 127.0.0.1）")
    p.add_argument("--port", type=int, default=8000, help="待ち受けるポート（既定: 8000）")
    p.add_argument("--workers", type=int, default=1, help="サーバーのプロセス数（既定: 1）")
    p.add_argument("--data", metavar="DIR", help="データフォルダ（利用者一覧・設定・記録の複製）")
    sub = p.add_subparsers(dest="serve_command", metavar="token", title="利用者とアクセスキー")
    tok = sub.add_parser("token", help="アクセスキーの発行・取り消し・一覧")
    tsub = tok.add_subparsers(dest="token_command", metavar="add|revoke|list", required=True)
    add = tsub.add_parser("add", help="利用者を登録し、新しいアクセスキーを発行します（キーは一度だけ表示します）")
    add.add_argument("login", metavar="利用者名", help="records/access.yaml に書く利用者名（例: yamada）")
    add.add_argument("--name", required=True, help="氏名（コミットに残ります）")
    add.add_argument("--email", required=True, help="メールアドレス（コミットに残ります）")
    add.add_argument("--department", default="", help="シートに出す課（省略するとすべての課）")
    add.add_argument("--data", metavar="DIR", dest="token_data", help="データフォルダ")
    rev = tsub.add_parser("revoke", help="利用者のアクセスキーをすべて使えなくします")
    rev.add_argument("login", metavar="利用者名")
    rev.add_argument("--data", metavar="DIR", dest="token_data", help="データフォルダ")
    lst = tsub.add_parser("list", help="登録されている利用者を表示します")
    lst.add_argument("--data", metavar="DIR", dest="token_data", help="データフォルダ")


def _data(args) -> Path:
    from shinchoku.xlserver import workspace

    given = getattr(args, "token_data", None) or args.data
    return workspace.prepare_data_dir(Path(given) if given else workspace.default_data_dir())


def run(args) -> int:
    if args.serve_command == "token":
        return _token(args)
    return _serve(args)


def _token(args) -> int:
    from shinchoku.xlserver import workspace
    from shinchoku.xlserver.users import Users

    data = _data(args)
    users = Users(data)
    if args.token_command == "add":
        token = users.add(args.login, args.name, args.email, args.department)
        print(f"利用者 {args.login}（{args.name}）のアクセスキーを発行しました。本人に渡してください"
              "（このキーは二度と表示されません。サーバーには控え（ハッシュ）だけが残ります）:")
        print(f"  {token}")
        _warn_access(data, args.login, workspace)
    elif args.token_command == "revoke":
        n = users.revoke(args.login)
        print(f"利用者 {args.login} のアクセスキー {n}件を使えなくしました（次の操作から受け付けません）")
    else:
        rows = users.all()
        if not rows:
            print("登録されている利用者はいません")
        for u in rows:
            state = f"アクセスキー {len(u.tokens)}件" if u.tokens else "アクセスキーなし（取り消し済み）"
            print(f"{u.login}\t{u.name}\t{u.email}\t{u.department or '（すべての課）'}\t{state}")
    return 0                                   # UsersError is a UsageError: said by cli's boundary


def _warn_access(data: Path, login: str, workspace) -> None:
    """Say so when access.yaml on the central repository does not know the user yet."""
    from shinchoku.rules import access as access_mod
    from shinchoku.store import GitError, Store

    central = workspace.central_location(data)
    try:
        with Store(central) as store:
            raw = store.read_blob("HEAD", "records/access.yaml")
    except GitError:
        return
    if raw is None:
        return
    try:
        import yaml

        rules = yaml.safe_load(raw.decode("utf-8")) or {}
    except Exception:     # noqa: BLE001 - only a hint
        return
    known = set(rules.get("調整担当") or []) | set((rules.get("担当") or {}).keys())
    if login not in known:
        print(f"注意: {login} は中央の records/access.yaml にまだ書かれていません。"
              "調整担当が、変更できる課を書き加えるまで、この人の送信は受け付けられません。")
    del access_mod


def _serve(args) -> int:
    import os

    from shinchoku.xlserver import environ, workspace
    from shinchoku.xlserver.users import Users

    data = _data(args)
    environ.configure(data)                         # LicenceMissing, GitError: said by cli's boundary
    central, made = workspace.ensure_central(data)
    users = Users(data)
    first = data / f"{workspace.FIRST_USER}-token.txt"
    if not users.all():
        token = users.add(workspace.FIRST_USER, workspace.FIRST_USER_NAME, f"{workspace.FIRST_USER}@localhost", "")
        fd = os.open(first, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(token + "\n")
    base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    lines = [f"進捗管理サーバー（xlwings Server）を {base} で起動します",
             f"  マニフェスト（Office.js アドイン）: {base}/manifest.xml",
             f"  作業ウィンドウ:                     {base}/taskpane.html",
             f"  状態の確認:                         {base}/health",
             f"  中央のリポジトリ: {central}" + ("（同梱の記録から今作りました）" if made else ""),
             f"  データフォルダ:   {data}（設定 server.env・利用者一覧 users.json・記録の複製 clones/）"]
    if first.is_file():
        lines.append(f"  調整担当 {workspace.FIRST_USER} のアクセスキー: {first}")
    lines += ["  利用者の追加: shinchoku serve token add 利用者名 --name 氏名 --email メール --department 課",
              "  Office.js アドインは HTTPS でしか動きません。本番は docs/server.md のとおりリバースプロキシを置いてください",
              "終了するには Ctrl+C を押してください"]
    print("\n".join(lines), flush=True)
    import uvicorn

    uvicorn.run("shinchoku.xlserver.app:app", host=args.host, port=args.port, workers=args.workers,
                log_level="warning", timeout_graceful_shutdown=5)
    print("進捗管理サーバーを停止しました", flush=True)
    return 0
