"""Sentences said in several places, written once.

Every wording that more than one command, the hooks or the add-in use lives here, so
that staff read one sentence for one situation (an unreadable plan is said one way, not
six).  The module imports nothing of shinchoku but :mod:`shinchoku.errors`; it only
makes text, it never prints.  :func:`refusal` is how a refusal reads on the command line
(``shinchoku.cli``'s boundary); :func:`git_failure` is the same for a git failure as
the add-in's alert and the hooks say it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from shinchoku.errors import Kind, ShinchokuError

PLAN_RELPATH = "records/plan.yaml"

# ----------------------------------------------------------------------------- whom to ask

#: Where staff turn when they cannot go on themselves.
ASK_COORDINATOR = "協働推進課（調整担当）にご連絡ください"
#: What a button that stopped leaves behind (the add-in's alerts).
SHEET_UNCHANGED = "シートの内容はそのままです"

# ----------------------------------------------------------------------------- the plan


def no_repository(root: Path | str) -> str:
    """There is no records repository at ``root`` (no ``records/plan.yaml``)."""
    return f"記録リポジトリが見つかりません（{root} に {PLAN_RELPATH} がありません）"


def plan_unreadable(line: int, message: str) -> str:
    """``records/plan.yaml`` cannot be read: where, and why (the YAML reader's Japanese)."""
    return f"計画を読めません: {PLAN_RELPATH}:{line}: {message}"


NO_PLAN = f"計画（{PLAN_RELPATH}）がありません"
NOT_A_PLAN = "計画の形になっていません（項目と値の対応表が必要です）"


def year_not_in_plan(label: str, labels: Iterable[str]) -> str:
    return f"年度「{label}」は計画にありません（{'・'.join(labels)}）"


def not_a_lead_department(department: str, departments: Iterable[str]) -> str:
    return f"「{department}」は計画の主管課にありません（{'・'.join(departments)}）"


def unreadable_left_out(line: str) -> str:
    """A record that could not be read and so is not counted (status, progress)."""
    return f"読めない記録があり、集計に入れていません: {line}"


# ----------------------------------------------------------------------------- files


def no_such_file(*names: object) -> str:
    return f"ファイルがありません: {'、'.join(str(n) for n in names)}"


def cannot_write(path: Path | str) -> str:
    """An output file that is open elsewhere (Excel holds it) or may not be written."""
    return f"{path} に書き込めません（Excel などで開いていれば閉じてから、もう一度実行してください）"


# ----------------------------------------------------------------------------- git and the central repository

#: Heading under which git's own (English) lines are shown, for whoever is asked for help.
GIT_DETAIL_HEADING = "（git からの詳細。協働推進課に問い合わせるときにお伝えください）"
#: The same for other programs' words (a mail server's, a parser's).
DETAIL_HEADING = "（詳しい内容。問い合わせるときにお伝えください）"
UPDATING = "中央のリポジトリの最新の内容を取り込んでいます…"


#: After an accepted push whose e-mail could not go out (the push stands).
NOT_MAILED = "送信は受け付けましたが、お知らせのメールは送れませんでした"


def committed(sha: str) -> str:
    return f"コミットしました（{sha[:7]}）"


def sent(head: str) -> str:
    return f"中央のリポジトリへ送りました（{head[:7]}）"


def git_detail(detail: str, limit: int = 6) -> str:
    """git's message lines, indented (at most ``limit`` of them)."""
    lines = [ln.strip() for ln in detail.splitlines() if ln.strip()]
    more = [f"（ほか{len(lines) - limit}行）"] if len(lines) > limit else []
    return "\n".join("　　" + ln for ln in lines[:limit] + more)


def git_failure(message: str, detail: str, *, server_refused: bool) -> str:
    """A git failure for a person, in the order they need it: the Japanese sentence; then
    the server's own reasons when it refused the content (they are Japanese, written by
    the hook); otherwise git's own lines only indented under a Japanese heading — never
    git's English on its own.  Used by the commands and the add-in alike."""
    if not detail:
        return message
    if server_refused:
        return f"{message}\n{detail}"
    return f"{message}\n{GIT_DETAIL_HEADING}\n{git_detail(detail)}"


def refusal(exc: ShinchokuError) -> str:
    """How a refusal reads: its Japanese message; words from outside shinchoku
    (``detail``: git's stderr, a mail server's reply) only after it, indented under a
    Japanese heading — or as they are when they are the central repository's own
    reasons (Japanese, written by its hook)."""
    if not exc.detail:
        return str(exc)
    message = str(exc.args[0]) if exc.args else ""
    if exc.kind is Kind.SERVER_REFUSED:
        return f"{message}\n{exc.detail}"
    heading = GIT_DETAIL_HEADING if exc.kind is Kind.GIT else DETAIL_HEADING
    return f"{message}\n{heading}\n{git_detail(exc.detail)}"
