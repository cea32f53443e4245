"""What to do next after the central repository refused a push: advice that fits the cause.

The server's refusal lists problems of different kinds; "fix it and send again" fits a
wrong value, not a user the access file does not know (nothing to fix in the records:
the coordinator registers the user, and the same commit goes through), nor a closed year
or another department's report (the change must be taken back, not fixed).  Both the
hook's closing line (:func:`server_closing`) and the client's advice after a refusal
(:func:`client_advice`) are chosen here from the problem messages.
"""

from __future__ import annotations

from typing import Iterable

from shinchoku.words import ASK_COORDINATOR

UNKNOWN_USER = "unknown-user"
CLOSED_YEAR = "closed-year"
OTHER_DEPARTMENT = "other-department"
COORDINATOR_ONLY = "coordinator-only"
CONTENT = "content"

_MARKS = (
    (UNKNOWN_USER, ("に登録されていない", "に登録されていません")),
    (CLOSED_YEAR, ("の受付は締め切られています",)),
    (OTHER_DEPARTMENT, ("の報告を変更できません",)),
    (COORDINATOR_ONLY, ("できるのは調整担当だけです",)),
)


def causes(messages: Iterable[str]) -> list[str]:
    """The kinds of problem among ``messages``, in a stable order (CONTENT for the rest)."""
    found: set[str] = set()
    for message in messages:
        kind = next((k for k, marks in _MARKS if any(m in message for m in marks)), CONTENT)
        found.add(kind)
    order = [UNKNOWN_USER, CLOSED_YEAR, OTHER_DEPARTMENT, COORDINATOR_ONLY, CONTENT]
    return [k for k in order if k in found]


_SERVER = {
    UNKNOWN_USER: "協働推進課（調整担当）に records/access.yaml への登録を頼んでください。登録されれば、同じ内容をそのまま送れます",
    CLOSED_YEAR: f"締め切られた年度の変更は元に戻してください（直す必要があるときは{ASK_COORDINATOR}）",
    OTHER_DEPARTMENT: "自分の課ではない報告の変更は元に戻してください（その課の担当者が送ります）",
    COORDINATOR_ONLY: "その変更は協働推進課（調整担当）に依頼してください",
    CONTENT: "内容を直してから、もう一度送ってください",
}


def server_closing(messages: Iterable[str]) -> str:
    """The hook's last sentence: what to do, for each kind of problem found."""
    return "。".join(_SERVER[k] for k in causes(messages) or [CONTENT]) + "。中央のリポジトリは変わっていません"


def client_advice(detail: str) -> str:
    """After ``shinchoku sync`` was refused (``detail``: what the server said): how to go on.
    Taking the commit back is advised only when the commit itself must change."""
    kinds = causes(line for line in detail.splitlines() if line.strip().startswith("records/"))
    if not kinds:
        kinds = causes(detail.splitlines())
    if kinds == [UNKNOWN_USER]:
        return ("記録の内容に問題はありません。送れなかったコミットは、この PC に残っています。"
                "協働推進課（調整担当）に登録してもらってから、もう一度 shinchoku sync を実行してください")
    what = []
    if CLOSED_YEAR in kinds or OTHER_DEPARTMENT in kinds or COORDINATOR_ONLY in kinds:
        what.append("締切の年度・自分の課ではない報告・調整担当だけが変えられる項目の変更を元に戻し")
    if CONTENT in kinds:
        what.append("問題のある内容を直し")
    return ("送れなかったコミットは、この PC に残っています。git reset origin/main でコミットを取り消すと、"
            "変更した内容はファイルに残ります。" + "、".join(what) + "てからもう一度コミットし、shinchoku sync を実行してください")

