"""What to do next after the central repository refused a push: advice that fits the cause.

The server's refusal lists problems of different kinds; "fix it and send again" fits a
wrong value, not a user the access file does not know (nothing to fix in the records:
the coordinator registers the user, and the same commit goes through), nor a closed year
or another department's report (the change must be taken back, not fixed).  Both the
hook's closing line (:func:`server_closing`) and the client's advice after a refusal
(:func:`client_advice`) are chosen here: on the server from the problems' kinds, on the
client from the lines the server sent back (all it has).
"""

from __future__ import annotations

from typing import Any, Iterable

from shinchoku.errors import Kind
from shinchoku.words import ASK_COORDINATOR

UNKNOWN_USER, CLOSED_YEAR, OTHER_DEPARTMENT, COORDINATOR_ONLY, CONTENT = (
    Kind.UNKNOWN_USER, Kind.CLOSED_YEAR, Kind.OTHER_DEPARTMENT, Kind.COORDINATOR_ONLY, Kind.INVALID)
_ORDER = (UNKNOWN_USER, CLOSED_YEAR, OTHER_DEPARTMENT, COORDINATOR_ONLY, CONTENT)

# Only for what reaches us as text: the server's refusal read by the client (``git push``
# relays it as lines), and a problem its producer gave no kind.
_MARKS = (
    (UNKNOWN_USER, ("に登録されていない", "に登録されていません")),
    (CLOSED_YEAR, ("の受付は締め切られています",)),
    (OTHER_DEPARTMENT, ("の報告を変更できません",)),
    (COORDINATOR_ONLY, ("できるのは調整担当だけです",)),
)


def causes(problems: Iterable[Any]) -> list[Kind]:
    """The kinds of problem among ``problems``, in a stable order (CONTENT for the rest):
    a problem's own ``kind`` where it has one (:class:`shinchoku.rules.validate.Problem`),
    else what its text says (a line of the server's refusal)."""
    found: set[Kind] = set()
    for problem in problems:
        kind = getattr(problem, "kind", None)
        if kind not in _ORDER:
            text = problem if isinstance(problem, str) else getattr(problem, "message", str(problem))
            kind = next((k for k, marks in _MARKS if any(m in text for m in marks)), CONTENT)
        found.add(kind)
    return [k for k in _ORDER if k in found]


_SERVER = {
    UNKNOWN_USER: "協働推進課（調整担当）に records/access.yaml への登録を頼んでください。登録されれば、同じ内容をそのまま送れます",
    CLOSED_YEAR: f"締め切られた年度の変更は元に戻してください（直す必要があるときは{ASK_COORDINATOR}）",
    OTHER_DEPARTMENT: "自分の課ではない報告の変更は元に戻してください（その課の担当者が送ります）",
    COORDINATOR_ONLY: "その変更は協働推進課（調整担当）に依頼してください",
    CONTENT: "内容を直してから、もう一度送ってください",
}


def server_closing(problems: Iterable[Any]) -> str:
    """The hook's last sentence: what to do, for each kind of problem found."""
    return "。".join(_SERVER[k] for k in causes(problems) or [CONTENT]) + "。中央のリポジトリは変わっていません"


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

