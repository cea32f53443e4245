"""What `shinchoku submit`, `sendback` and `approve` share: bring the clone up to date,
choose the reports, apply the transition (shinchoku.sharing.cycleops), commit and send."""

from __future__ import annotations

import sys
from pathlib import Path


def add_common(p, *, nos_required: bool = False) -> None:
    p.add_argument("nos", nargs="*" if not nos_required else "+", type=int, metavar="No",
                   help="施策の No（省略するとその課のすべての報告）")
    p.add_argument("--year", metavar="年度", help="年度（省略すると受付中の年度）")
    p.add_argument("--department", "-d", action="append", default=[], metavar="課",
                   help="主管課（何度でも指定できます）")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所（省略すると現在のフォルダから探します）")


def run_action(args, action: str, *, text: str = "", only_states: tuple[str, ...] = ()) -> int:
    from shinchoku.hooks.advice import git_failure
    from shinchoku.model import records
    from shinchoku.rules import cycle
    from shinchoku.sharing import cycleops, sync
    from shinchoku.store import GitError, PushRefused, Store

    root = records.find_root(Path(args.repo) if args.repo else None)
    verb = cycleops.VERBS[action]
    try:
        with Store(root) as store:
            author = store.author_from_config()
            if store.has_remote():
                print("中央のリポジトリの最新の内容を取り込んでいます…", file=sys.stderr)
                sync.update(store, author)
            plan = store.plan_at("HEAD")
            if plan is None:
                print("shinchoku: 計画（records/plan.yaml）がありません", file=sys.stderr)
                return 1
            try:
                year = cycleops.default_year(plan, args.year)
                targets = cycleops.select(plan, year, departments=args.department, nos=args.nos)
                outcome = cycleops.apply(store, plan, action, targets, author, text=text, only_states=only_states)
            except cycle.CycleError as exc:
                print(f"shinchoku: {exc}", file=sys.stderr)
                return 1
            for t, before in outcome.done:
                print(f"{t.label}: {before} → {cycleops.AFTER[action]}")
            for why in outcome.skipped:
                print(f"  そのまま: {why}")
            print(outcome.message())
            if outcome.commit is None:
                return 1 if outcome.skipped or not outcome.done else 0
            print(f"コミットしました（{outcome.commit[:7]}）")
            if not store.has_remote():
                return 0
            try:
                done = cycleops.send(store, author, progress=lambda m: print(m, file=sys.stderr))
            except sync.Rejected as exc:
                for p in exc.problems:
                    print(p)
                print(f"shinchoku: 記録に問題があるため、{verb}を送りませんでした", file=sys.stderr)
                return 1
            except GitError as exc:
                print(f"shinchoku: {git_failure(exc.message, exc.detail, server_refused=isinstance(exc, PushRefused))}",
                      file=sys.stderr)
                print(f"{verb}は取り消しました（この PC の記録は中央と同じ状態に戻しました）", file=sys.stderr)
                return 1
            print(f"中央のリポジトリへ送りました（{done.head[:7]}）")
            return 0
    except GitError as exc:
        print(f"shinchoku: {git_failure(exc.message, exc.detail, server_refused=isinstance(exc, PushRefused))}",
              file=sys.stderr)
        return 1
