"""Sharing edits with the central repository without losing anyone's.

* :func:`update` brings the clone to the central head (fast-forward, or a field-level
  merge when the clone has commits of its own).
* :func:`publish` sends field edits made elsewhere (the Excel sheet), each a
  :class:`~shinchoku.model.fields.FieldChange` whose ``before`` is the value it was made
  against, so a field someone else changed meanwhile is a :class:`Conflict` — kept out
  of the commit, with who changed it and when — while the
  rest is applied to the central head, validated, committed under the editor's name and
  pushed.  When the central repository moves in between, the edits are applied again to
  its new head (the same result as a field-level merge); nothing is ever forced.
* :func:`sync` does the same for commits made in the clone itself (``shinchoku sync``):
  merge with the field-level driver, re-validate, push, retry.

A push that loses a race (another send landed first, or held the central ref at that
moment: :class:`~shinchoku.store.PushRace`, read from git's porcelain status) is not a
refusal: fetch, merge (or apply again), validate and push again after a short jittered
back-off, until it lands or the server refuses the content
(:class:`~shinchoku.store.PushRefused`, with the server's own reasons).  Before anything,
:func:`shinchoku.store.repair.heal` puts right what an interrupted git left in the clone.

On any failure the clone is left at the central head and a commit that could not be
sent is kept under ``refs/shinchoku/unsent/…``: nothing is lost.
"""

from __future__ import annotations

import datetime as _dt
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from shinchoku.errors import Kind, ShinchokuError
from shinchoku.model import records, yamlio
from shinchoku.model.fields import FieldChange, Record, text_or_none
from shinchoku.model.plan import Plan
from shinchoku.rules import validate
from shinchoku.store import Author, GitError, PushRace, Store, repair

Progress = Callable[[str], None]

RETRIES = 30          # races in a row before giving up (at most ~1 min of back-off)
BUSY = ("中央のリポジトリにほかの人の送信が続いているため、送れませんでした。"
        "少し待ってからもう一度実行してください")


class Backoff:
    """Waits between attempts after a lost race: exponential with full jitter, in units of
    how long the lost push took (the server's check is the window in which pushes collide),
    so that clones that collided once spread out instead of colliding again in step."""

    def __init__(self, tries: int = RETRIES, cap: float = 8.0):
        self.tries, self.cap, self.done = tries, cap, 0

    def wait(self, say: "Progress", took: float = 0.1) -> bool:
        """Sleep before the next attempt; False when the attempts are used up."""
        self.done += 1
        if self.done > self.tries:
            return False
        say("ほかの人の送信と重なったため、最新の内容を取り込んで送り直します…")
        unit = min(max(took, 0.05), 2.0)
        time.sleep(random.uniform(0, min(self.cap, unit * 2 ** (self.done - 1))))
        return True


def _heal(store: Store, say: "Progress") -> None:
    """Repair what an interrupted git left (stale lock, broken index, half-done merge) and
    say what was done; a merge ``--keep-both`` left for the user is theirs to finish."""
    for note in repair.heal(store):
        say(note)
    if repair.deliberate_merge(store):
        raise GitError("前回 shinchoku sync --keep-both で両方の値を残した取り込みが、まだ終わっていません。"
                       "両方の値を残した項目をどちらかに直し、印の行も消してから git commit -a で記録して、"
                       "もう一度実行してください（取り込みをやめるときは git merge --abort）")


@dataclass(frozen=True)
class Conflict:
    """An edit not sent: the central repository holds ``theirs`` where the edit expected
    its ``before``; who put it there, when, in which commit ("" and None: not found in
    the field's history)."""

    edit: FieldChange
    theirs: str | None
    author: str = ""
    when: _dt.datetime | None = None
    commit: str = ""


@dataclass
class PublishResult:
    commit: str | None
    head: str
    sent: list[FieldChange] = field(default_factory=list)
    already: list[FieldChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)   # what repair.heal put right first


class Rejected(ShinchokuError):
    """The records would be invalid: nothing was committed."""

    def __init__(self, problems: list[validate.Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _quiet(_message: str) -> None:
    pass


def _require_clean(store: Store, hint: str = "shinchoku sync で送るか、元に戻してから") -> None:
    dirty = store.dirty_paths()
    if dirty:
        shown = "、".join(dirty[:3]) + (f" ほか{len(dirty) - 3}件" if len(dirty) > 3 else "")
        raise GitError(f"記録のフォルダーに、まだコミットしていない変更があります（{shown}）。"
                       f"{hint}、もう一度実行してください")


def update(store: Store, author: Author | None = None) -> str:
    """Fetch and bring the clone to the central head; returns HEAD.

    Commits of the clone's own that the central repository lacks are merged field by
    field (not pushed: that is :func:`sync`'s job); a conflict raises GitError and leaves
    the clone as it was."""
    _heal(store, _quiet)
    if store.has_remote():
        store.fetch()
        if store.rev(store.upstream()) is not None:
            if store.head() is None:
                store.reset_to(store.upstream())
            else:
                conflicted = store.merge_upstream(author or repair.fallback_author(store))
                if conflicted:
                    raise GitError("中央の変更と、この PC でコミットした変更が同じ項目で重なっています"
                                   f"（{'、'.join(conflicted)}）。shinchoku sync で内容を確かめてください")
    head = store.head()
    if head is None:
        raise GitError("記録リポジトリにまだコミットがありません")
    return head


def _plan_at(store: Store, rev: str) -> Plan:
    try:
        return store.plan_at(rev) or Plan({})
    except yamlio.YamlError as exc:
        raise GitError(f"中央の計画ファイル records/plan.yaml:{exc.line} が読めません（{exc.message}）") from None


def _conflict(store: Store, edit: FieldChange, theirs: str | None) -> Conflict:
    """``edit`` in conflict with ``theirs``, and the newest commit that put it there."""
    from shinchoku.sharing import history         # (only a conflict reads the field's history)

    ref = edit.ref
    for change in history.field_history(store, ref.year, ref.no, ref.field, ref.department):
        if change.after == theirs:
            return Conflict(edit, theirs, change.author, change.when, change.commit.sha)
    return Conflict(edit, theirs)


def apply_edits(store: Store, edits: list[FieldChange], rev: str, plan: Plan | None = None
                ) -> tuple[dict[tuple[str, int], dict], PublishResult]:
    """The records at ``rev`` with ``edits`` applied; which were sent, already there, or
    in conflict (someone changed the field to another value meanwhile).  ``plan``: the
    plan at ``rev``, when the caller has read it."""
    initiatives = (plan or _plan_at(store, rev)).by_no()
    result = PublishResult(None, rev)
    changed: dict[tuple[str, int], dict[str, Any]] = {}
    loaded: dict[tuple[str, int], Record] = {}
    for edit in edits:
        ref = edit.ref
        key = ref.record
        if key not in loaded:
            found = store.record_at(rev, ref.year, ref.no)
            loaded[key] = Record(found) if found else Record.new(ref.year, ref.no)
        record = loaded[key]
        theirs, mine, base = record.value(ref.department, ref.field), text_or_none(edit.after), text_or_none(edit.before)
        if theirs == mine:
            result.already.append(edit)
        elif theirs == base:
            order = initiatives[ref.no].departments if ref.no in initiatives else ()
            record.set(ref.department, ref.field, mine, order)
            changed[key] = record.data
            result.sent.append(edit)
        else:
            result.conflicts.append(_conflict(store, edit, theirs))
    return changed, result


def _validate(store: Store, recs: list[dict[str, Any]], plan: Plan) -> list[str]:
    """The records' canonical texts; :class:`Rejected` unless every one passes the checks
    the pre-commit hook makes (canonical form, the schema, the plan)."""
    checker = validate.Checker(Path(store.root), plan)
    problems, texts = [], []
    for rec in recs:
        rel = records.record_relpath(rec["年度"], int(rec["No"]))
        texts.append(records.dumps(rec, Path(store.root)))
        problems += checker.check(rel, texts[-1].encode("utf-8"), canonical=True)
    if problems:
        raise Rejected(problems)
    return texts


def _target(store: Store) -> str:
    return store.rev(store.upstream()) or store.head() or ""


def publish(store: Store, edits: list[FieldChange], author: Author, note: str | None = None, *,
            retries: int = RETRIES, progress: Progress | None = None) -> PublishResult:
    """Apply ``edits`` to the central head, commit as ``author`` and push (see module doc)."""
    say = progress or _quiet
    _heal(store, say)
    _require_clean(store)
    remote = store.has_remote()
    backoff = Backoff(retries)
    while True:
        say("中央のリポジトリの最新の内容を確認しています…")
        if remote:
            store.fetch()
        target = _target(store)
        if not target:
            raise GitError("記録リポジトリにまだコミットがありません")
        if store.head() != target:
            ahead, _behind = store.ahead_behind()
            if ahead:
                store.save_unsent("before-publish")
            store.reset_to(target)
        plan = _plan_at(store, target)
        changed, result = apply_edits(store, edits, target, plan)
        result.repaired = list(store.repaired)
        if not changed:
            result.head = target
            return result
        recs = list(changed.values())
        texts = _validate(store, recs, plan)
        say(f"{len(result.sent)}件の変更を記録しています…")
        # the hook would check these same texts against the same plan again (its own
        # process): they were just checked; the central repository checks them anyway
        result.commit = store.commit_records(recs, author, note=note, verify=False, head=target, texts=texts)
        result.head = result.commit or target
        if not remote:
            return result
        say("中央のリポジトリへ送っています…")
        started = time.monotonic()
        try:
            store.push()
            return result
        except PushRace:
            if backoff.wait(say, time.monotonic() - started):
                store.reset_to(target)        # the edits are applied again to the new central head
                continue
            store.save_unsent()
            _back_to_central(store, target)
            raise GitError(BUSY + "（送れなかった変更はこの PC に残っています）") from None
        except GitError:
            store.save_unsent()
            _back_to_central(store, target)
            raise


def _back_to_central(store: Store, fallback: str) -> None:
    try:
        store.fetch()
    except GitError:
        pass
    store.reset_to(_target(store) or fallback)


@dataclass
class SyncResult:
    head: str
    pushed: int        # commits sent
    received: int      # commits brought in
    repaired: list[str] = field(default_factory=list)   # what repair.heal put right first


class Conflicted(ShinchokuError):
    """The same field changed here and centrally; the merge is left in progress with both
    values inside each such field (``problems`` names them, file:line: field)."""

    def __init__(self, problems: list[validate.Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _conflicts_left(store: Store, paths: list[str]) -> list[validate.Problem]:
    """Where the merge left both values: one line per field (per file when git had to
    keep the two versions whole)."""
    root = Path(store.root)
    plan, _ = validate.load_plan_for_check(root, check=False)
    checker = validate.Checker(root, plan)
    out = []
    for path in paths:
        try:
            content = (root / path).read_bytes()
        except OSError:
            content = b""
        found = [p for p in checker.check(path, content) if p.kind is Kind.CONFLICT]
        out += found or [validate.Problem(path, 0, "", "ファイル全体について、両方の版を残しました（<<<<<<< と >>>>>>> の間）")]
    return out


def sync(store: Store, author: Author, *, retries: int = RETRIES, progress: Progress | None = None,
         keep_both: bool = False) -> SyncResult:
    """Merge the central head into the clone field by field, re-validate, push; when the
    push loses a race, merge the newest central head again (one merge commit, not one per
    attempt) and push again.  On a conflict: GitError with the clone as it was, or with
    ``keep_both`` :class:`Conflicted`, the merge left for the user to finish."""
    say = progress or _quiet
    _heal(store, say)
    _require_clean(store, "git commit でコミットするか、git restore で元に戻してから")
    local = store.head()
    backoff = Backoff(retries)
    while True:
        say("中央のリポジトリの最新の内容を確認しています…")
        store.fetch()
        ahead, behind = store.ahead_behind()
        conflicted = store.merge_upstream(author, keep_conflicts=keep_both)
        if conflicted and keep_both:
            repair.mark_deliberate_merge(store)
            raise Conflicted(_conflicts_left(store, conflicted))
        if conflicted:
            raise GitError("中央の変更と同じ項目を変更しているため、取り込めませんでした"
                           f"（{'、'.join(conflicted)}）。shinchoku sync --keep-both で両方の値をファイルに残して"
                           "確かめ、どちらかに直してからコミットしてください")
        if ahead == 0:
            return SyncResult(store.head() or "", 0, behind, list(store.repaired))
        problems = validate.check_paths(Path(store.root), None, canonical=True)
        if problems:
            raise Rejected(problems)
        say("中央のリポジトリへ送っています…")
        started = time.monotonic()
        try:
            store.push()
            return SyncResult(store.head() or "", ahead, behind, list(store.repaired))
        except PushRace:
            if not backoff.wait(say, time.monotonic() - started):
                raise GitError(BUSY + "（コミットはこの PC に残っています）") from None
            if local:
                store.reset_to(local)     # drop the unsent merge; merge the newest head afresh
