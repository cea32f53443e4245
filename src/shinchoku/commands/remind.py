"""`shinchoku remind`: e-mail the departments whose reports are still due (cron, timer)."""

from __future__ import annotations

from pathlib import Path

from shinchoku.commands import _shared as options
from shinchoku.errors import UsageError

DESCRIPTION = """\
受付中の年度の締切日が近づいたとき（締切日の N 日前）と締切日当日に、未提出・差戻しの
報告がある課へ、催促のメールを送ります。cron や systemd のタイマーで毎日動かす想定です。
同じ日に何度動かしても、1つの課に送るのは1日1通だけです（送った記録はリポジトリの
.git/shinchoku/remind-sent.json、bare リポジトリでは その中の shinchoku/remind-sent.json）。

宛先は records/contacts.yaml、メールサーバーは git config shinchoku.smtpHost などの設定
（docs/coordinator.md）から読みます。中央のリポジトリ（bare）でも、複製でも動きます
（複製では、先に中央の内容を取り込みます）。

例:
  shinchoku remind --repo /srv/git/shinchoku-records.git
  shinchoku remind --days 5 --dry-run          送らずに、送る予定のメールを表示します

  cron の例（毎朝8時）:
  0 8 * * *  shinchoku remind --repo /srv/git/shinchoku-records.git

終了コード: 0 送った（送るものがなかった）、1 送れなかった、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("--days", type=int, metavar="N",
                   help="締切日の何日前に催促するか（省略すると git config shinchoku.remindDays、なければ 3）")
    p.add_argument("--dry-run", action="store_true", help="送らずに、送る予定のメールを表示します")
    p.add_argument("--today", metavar="日付", help="今日の日付として使う日（確認用。例: 2026-05-28）")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリ（中央の bare リポジトリでも）の場所")


def run(args) -> int:
    import datetime as dt

    from shinchoku.rules import cycle
    from shinchoku.sharing import notify, sync
    from shinchoku.store import Store

    repo = Path(args.repo) if args.repo else Path.cwd()
    try:
        today = cycle.parse_date(args.today) if args.today else dt.date.today()
    except cycle.CycleError as exc:
        raise UsageError(str(exc)) from None
    bare = (repo / "HEAD").is_file() and (repo / "objects").is_dir()
    with Store(repo, bare=bare) as store:
        if not bare and store.has_remote():
            sync.update(store)
        days = args.days
        if days is None:
            text = store.config("shinchoku.remindDays") or "3"
            days = int(text) if text.isdigit() else 3
        settings = notify.SmtpSettings.from_store(store)
        due, skipped, warnings = notify.remind(store, today, days, settings, dry_run=args.dry_run)
    for w in warnings:
        options.note(w)
    for m in due:
        print(f"{'送る予定' if args.dry_run else '送りました'}: {', '.join(m.to)}「{m.subject}」")
    for m in skipped:
        print(f"今日はもう送っています: {', '.join(m.to)}「{m.subject}」")
    if not due and not skipped:
        print("今日送る催促はありません")
    return 0
