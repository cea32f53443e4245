"""`shinchoku year open|close 年度`: the fiscal-year cycle."""

from __future__ import annotations

import sys
from pathlib import Path

from shinchoku.commands import _shared as options
from shinchoku.errors import UsageError
from shinchoku.words import committed

DESCRIPTION = """\
年度の受付を始める・締め切る。

  open   その年度を受付中にし（plan.yaml にない年度は西暦とともに加えます）、施策ごとに
         主管課の欄だけを持つ記録を作ります（すでにある記録は変えません）
  close  その年度を締切にします。締切の年度は協働推進課（調整担当）だけが変更できます

git で管理しているリポジトリでは、変更をコミットし、中央のリポジトリへ送ります。

open は、計画期間の年度か、計画にある最後の年度の次の年度だけを受け付けます。
受付を始める前に確認を求めます（端末でなければ --yes が必要です）。
間違えて受付を始めたときは、表示される git revert のコマンドと shinchoku sync で元に戻せます。

例:
  shinchoku year open R3
  shinchoku year open R3 --deadline 2026-05-31      締切日も決める（提出状況・催促メールに使います）
  shinchoku year open R3 --yes     # 確認なしで（スクリプトから）
  shinchoku year close R2

終了コード: 0 できた、1 できなかった、2 使い方の誤り
"""


@options.repo
@options.option("--yes", "-y", action="store_true", help="確認せずに受付を始めます（open）")
@options.option("--no-commit", action="store_true", help="ファイルを書き換えるだけで、コミットしません")
def configure(p) -> None:
    p.add_argument("action", choices=("open", "close"), metavar="open|close",
                   help="open（受付を始める）または close（締め切る）")
    p.add_argument("year", metavar="年度", help="R3、H30 のような年度")
    p.add_argument("--deadline", metavar="日付",
                   help="open のとき: 報告の締切日（例: 2026-05-31。受付中の年度に付け直すこともできます）")


def run(args) -> int:
    from shinchoku.sharing import yearcycle

    root = options.root_of(args)
    action = yearcycle.open_year if args.action == "open" else yearcycle.close_year
    options.year_label(args.year)              # not a year at all: a usage error
    day = _deadline(args)                      # a bad date is a usage error before anything is written
    if args.action == "open":
        label, becomes_open, missing = yearcycle.check_open(root, args.year)
        if (becomes_open or missing) and not args.yes and not _confirmed(root, label, becomes_open, missing,
                                                                          args.no_commit):
            print("何も変えずに終わりました")
            return 1
    outcome = action(root, args.year)
    if day is not None:
        _set_deadline(root, outcome, day)
    if args.action == "close" and outcome.plan_changed:
        _keep_states(root, outcome)
    print(outcome.message)
    if outcome.paths and not args.no_commit and (root / ".git").exists():
        return _commit(root, outcome, args.action)
    return 0


def _deadline(args):
    """``--deadline`` as a date (None without it); a usage error when it cannot be one."""
    from shinchoku.rules import cycle

    if not args.deadline:
        return None
    if args.action != "open":
        raise UsageError("--deadline は open のときに指定します")
    try:
        return cycle.parse_date(args.deadline)
    except cycle.CycleError as exc:
        raise UsageError(str(exc)) from None


def _keep_states(root: Path, outcome) -> None:
    """Reports still without a state keep 未提出 after the close (shinchoku.rules.cycle)."""
    from shinchoku.model import records
    from shinchoku.rules import cycle
    from shinchoku.store import GitError, Store

    who = "shinchoku"
    if (root / ".git").exists():
        with Store(root) as store:
            try:
                who = store.author_from_config().name
            except GitError:
                pass
    when = cycle.now()
    kept = 0
    year = [(p, records.load_record(p)) for p in records.iter_record_files(root) if p.parent.name == outcome.year]
    if not any(isinstance(r, dict) and cycle.FIELD in r for _p, rec in year for r in rec.get("報告", []) or []):
        return          # a year that never used the cycle closes as before: its reports count as 確認済
    for path, rec in year:
        if cycle.keep_states_on_close(rec, who, when):
            records.write_record(root, rec)
            outcome.paths.append(path.relative_to(root).as_posix())
            kept += 1
    if kept:
        outcome.message += f"。未提出のままの報告がある記録{kept}件に「未提出」と書きました（公表用のシートには載りません）"


def _set_deadline(root: Path, outcome, day) -> None:
    """Write the year's 締切日 into plan.yaml."""
    from shinchoku.model import plan as plan_mod
    from shinchoku.rules import cycle
    from shinchoku.sharing import yearcycle

    data = yearcycle._load_plan(root)
    new = cycle.with_deadline(data, outcome.year, day)
    if new != data:
        yearcycle._write_plan(root, new)
        rel = plan_mod.PLAN_RELPATH
        if rel not in outcome.paths:
            outcome.paths.insert(0, rel)
    outcome.message += f"。締切日は {day.isoformat()} です"
def _confirmed(root: Path, label: str, becomes_open: bool, missing: int, no_commit: bool) -> bool:
    """Ask before opening a year; a usage error where nobody can be asked (no terminal)."""
    from shinchoku.model.plan import western_year

    parts = [f"{label}年度（{western_year(label)}年度）を受付中にし"] if becomes_open else []
    if missing:
        parts.append(f"記録を{missing}件作り")
    if (root / ".git").exists() and not no_commit:
        from shinchoku.store import Store

        with Store(root) as store:
            remote = store.has_remote()
        parts.append("コミットして中央のリポジトリへ送ります" if remote else "コミットします")
    else:
        parts[-1] += "ます"
    summary = "、".join(parts)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(f"{summary}。よければ --yes を付けて、もう一度実行してください"
                         "（確認を求められない場面では --yes が必要です）")
    try:
        answer = input(f"{summary}。よろしいですか？ [y/N]: ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes", "はい")


def _commit(root: Path, outcome, action: str) -> int:
    from shinchoku.commands.sync import send_commit
    from shinchoku.errors import ShinchokuError
    from shinchoku.sharing import yearcycle
    from shinchoku.store import GitError, Store

    with Store(root) as store:
        try:
            sha = yearcycle.commit(store, outcome, action)
        except GitError as exc:     # the files stay written; say how to finish by hand
            raise ShinchokuError(f"変更をコミットできませんでした（{exc.message}）。ファイルは書き換えてあります",
                                 kind=exc.kind, detail=exc.detail) from None
        if sha:
            print(committed(sha))
        try:
            send_commit(store, store.author_from_config())
        finally:
            if sha and action == "open":
                print(f"間違えて受付を始めたときは、元に戻せます: git revert --no-edit {sha[:7]} のあと shinchoku sync"
                      "（記録が入力される前に。入力された記録も消えるため、revert の内容を確かめてください）")
        return 0
