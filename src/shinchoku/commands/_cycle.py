"""What `shinchoku submit`, `sendback` and `approve` share: bring the clone up to date,
choose the reports, apply the transition (shinchoku.sharing.cycleops), commit and send."""

from __future__ import annotations

from shinchoku.commands import _shared as options
from shinchoku.errors import ShinchokuError
from shinchoku.words import NO_PLAN, UPDATING, committed, sent


def add_common(p, *, nos_required: bool = False) -> None:
    p.add_argument("nos", nargs="*" if not nos_required else "+", type=int, metavar="No",
                   help="施策の No（省略するとその課のすべての報告）")
    p.add_argument("--year", metavar="年度", help="年度（省略すると受付中の年度）")
    p.add_argument("--department", "-d", action="append", default=[], metavar="課",
                   help="主管課（何度でも指定できます）")
    options.repo.add(p)


def run_action(args, action: str, *, text: str = "", only_states: tuple[str, ...] = ()) -> int:
    from shinchoku.commands.sync import not_sent
    from shinchoku.sharing import cycleops, sync
    from shinchoku.store import GitError, Store

    verb = cycleops.VERBS[action]
    with Store(options.root_of(args)) as store:
        author = store.author_from_config()
        if store.has_remote():
            options.progress(UPDATING)
            sync.update(store, author)
        plan = store.plan_at("HEAD")
        if plan is None:
            raise ShinchokuError(NO_PLAN)
        year = cycleops.default_year(plan, args.year)
        targets = cycleops.select(plan, year, departments=args.department, nos=args.nos)
        outcome = cycleops.apply(store, plan, action, targets, author, text=text, only_states=only_states)
        report(outcome, action)
        if outcome.commit is None:
            return 1 if outcome.skipped or not outcome.done else 0
        print(committed(outcome.commit))
        if not store.has_remote():
            return 0
        try:
            done = cycleops.send(store, author, progress=options.progress)
        except (sync.Rejected, GitError) as exc:
            raise not_sent(exc, f"記録に問題があるため、{verb}を送りませんでした",
                           f"{verb}は取り消しました（この PC の記録は中央と同じ状態に戻しました）") from None
        print(sent(done.head))
        return 0


def report(outcome, action: str) -> None:
    """Each report's move (before → after), what was left as it was, and the sum."""
    from shinchoku.sharing import cycleops

    for t, before in outcome.done:
        print(f"{t.label}: {before} → {cycleops.AFTER[action]}")
    for why in outcome.skipped:
        print(f"  そのまま: {why}")
    print(outcome.message())
