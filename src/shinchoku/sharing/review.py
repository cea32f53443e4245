"""The coordinator's review: every field change since the last approved review.

* :func:`collect` walks the commits after the base (the newest ``reviewed/…`` tag, or a
  ref or date the coordinator names) up to HEAD and finds what each commit changed in
  each record, field by field (:class:`shinchoku.model.fields.FieldChange`, each with
  its commit);
* :func:`approve` marks HEAD as reviewed with an annotated ``reviewed/YYYY-MM-DD[-n]``
  tag and pushes it, so the next review starts there;
* :func:`reverted_records` undoes one commit's field changes (committed by the caller as
  a new commit: history keeps both), refusing when a later change touched the same field.

What the coordinator reads (text, the HTML page, the add-in's rows) is written by
:mod:`shinchoku.publish.reviewpage`.  Git is reached only through
:class:`shinchoku.store.Store`.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from shinchoku import words
from shinchoku.errors import ShinchokuError
from shinchoku.model import fieldspans, records, schema, yamlio
from shinchoku.model.fields import Commit, FieldChange, FieldRef, Record, changes
from shinchoku.model import plan as plan_mod
from shinchoku.model.plan import Plan
from shinchoku.sharing.history import Blobs
from shinchoku.store import NULL, FileChange, Store

TAG_PREFIX = "reviewed/"
PLAN_RELPATH = plan_mod.PLAN_RELPATH
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_CYCLE_KEYS = tuple(f"\n    {k}:".encode("utf-8") for k in schema.shape().cycle_fields)   # a report's 提出状況 / コメント


class ReviewError(ShinchokuError):
    """Something the coordinator can act on (message in Japanese)."""


@dataclass
class Review:
    base: str | None                   # tag name, ref or date the review starts after
    base_commit: str | None
    head: str
    changes: list[FieldChange] = field(default_factory=list)
    plan_commits: list[Commit] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)   # every commit in range, oldest first
    plan: Plan | None = None
    compared: str = ""          # what was compared, for the reader (「中央のリポジトリ（origin/main、…）を…から比べました」)

    @property
    def base_is_tag(self) -> bool:
        """The review starts at an approval (a ``reviewed/…`` tag)."""
        return bool(self.base) and self.base.startswith(TAG_PREFIX)

    @property
    def authors(self) -> list[str]:
        return list(dict.fromkeys(c.commit.author for c in self.changes))

    def groups(self) -> list[tuple[str, list[tuple[int, str, list[FieldChange]]]]]:
        """[(department, [(No, 施策名, changes)])] in plan order, changes oldest first."""
        plan = self.plan or Plan({})
        order = {d: k for k, d in enumerate(plan.departments())}
        names = {i.no: i.name for i in plan.initiatives()}
        by_dept: dict[str, dict[int, list[FieldChange]]] = {}
        for c in self.changes:
            by_dept.setdefault(c.department, {}).setdefault(c.no, []).append(c)
        out = []
        for dept in sorted(by_dept, key=lambda d: (order.get(d, len(order)), d)):
            items = []
            for no in sorted(by_dept[dept]):
                items.append((no, names.get(no, ""), by_dept[dept][no]))
            out.append((dept, items))
        return out


def last_reviewed(store: Store, head: str = "HEAD") -> tuple[str, str] | None:
    """(tag, commit) of the newest ``reviewed/…`` tag that ``head`` contains, or None."""
    for name, commit in store.tags(TAG_PREFIX, merged=head):
        sha = commit or store.rev(name)
        if sha:
            return name, sha
    return None


def _cycle_changes(old: dict[str, Any] | None, new: dict[str, Any] | None, key: tuple[str, int],
                   commit: Commit) -> list[FieldChange]:
    from shinchoku.sheet.progressview import review_changes  # 提出状況 and comments (the yearly cycle)

    return [FieldChange(FieldRef(key[0], key[1], d, f), b, a, commit) for d, f, b, a in review_changes(old, new)]


def commit_changes(store: Store, commit: Commit, parent: str | None = None) -> list[FieldChange]:
    """Field changes one commit made to records (against its first parent), reading each
    record whole: what :func:`collect` finds for that commit."""
    parent = parent if parent is not None else store.rev(f"{commit.sha}^")
    out: list[FieldChange] = []
    for path in store.commit_paths(commit.sha):
        key = records.record_key(path)
        if key is None:
            continue
        old = records.mapping_or_none(store.read_blob(parent, path)) if parent else None
        new = records.mapping_or_none(store.read_blob(commit.sha, path))
        out.extend(changes(old, new, schema.report_fields(), key=key, commit=commit))
        out.extend(_cycle_changes(old, new, key, commit))
    return out


def collect(store: Store, since: str | None = None, target: str = "HEAD") -> Review:
    """Every change after the base up to ``target`` (HEAD, or the central repository's
    ``origin/main`` just fetched).  ``since`` is a ref (tag, commit) or a date
    (2025-04-01); None means the newest ``reviewed/…`` tag (or the beginning)."""
    head = store.rev(target)
    if head is None:
        raise ReviewError("まだコミットがありません")
    base, base_commit, date = None, None, None
    if since:
        sha = store.rev(since)
        if sha:
            base, base_commit = since, sha
        elif _DATE.match(since.strip()):
            base, date = since.strip(), since.strip()
            if len(date) <= 10:
                date += " 00:00"   # git's approxidate would keep the current time of day
        else:
            raise ReviewError(f"「{since}」はコミット・タグ・日付（2025-04-01 の形）のどれとしても読めません")
    else:
        found = last_reviewed(store, head)
        if found:
            base, base_commit = found
        else:
            # Creating the repository (shinchoku init's import) is not a change to review.
            base_commit = store.root_commit(head)
    rev_range = [f"{base_commit}..{head}"] if base_commit else [head]
    # One `git log --raw` names every commit, its changed files and their blobs before
    # and after; one `cat-file --batch` beside it reads the blobs as the log names them,
    # while the plan is read and each commit's changes are found.
    with store.log_with_blobs(rev_range, since=date, wanted=records.is_record_path) as stream:
        review = Review(base, base_commit, head, plan=_plan(store, head))
        spans: dict[str, Any] = {NULL: {}}     # each blob cut once: the after of one change is the before of the next
        blobs = Blobs(store)                   # …and parsed once, where it must be parsed
        for commit, files, raw in stream:
            review.commits.append(commit)
            blobs.raw = raw
            review.changes.extend(_changes_of(commit, files, raw, spans, blobs))
            if any(ch.path == PLAN_RELPATH for ch in files):
                review.plan_commits.append(commit)
    return review


def _plan(store: Store, head: str) -> Plan:
    try:
        plan = store.plan_at(head) or Plan({})          # parsed once per plan, then cached
        if not plan.data and store.read_blob(head, PLAN_RELPATH):
            raise yamlio.YamlError(1, words.NOT_A_PLAN)
    except yamlio.YamlError as exc:
        raise ReviewError(words.plan_unreadable(exc.line, exc.message)) from None
    return plan


_FIELDS = schema.shape().sheet_fields          # 主管課 first, then what a department reports
_FIELD_NAMES = schema.shape().reported


def _changes_of(commit: Commit, files: list[FileChange], raw: dict[str, bytes], spans: dict[str, Any],
                blobs: Blobs) -> list[FieldChange]:
    """The field changes of one commit's files, each record compared in bytes field by
    field (parsed whole where it is not in canonical layout)."""
    out: list[FieldChange] = []
    for ch in files:
        key = records.record_key(ch.path)
        if key is None:
            continue
        for sha in (ch.before, ch.after):
            if sha not in spans:
                spans[sha] = fieldspans.report_sections(raw.get(sha))
        found = fieldspans.compare(spans[ch.before], spans[ch.after], _FIELD_NAMES, key=key, commit=commit)
        if found is None:           # not in canonical layout: parse both versions whole
            found = changes(blobs(ch.before), blobs(ch.after), _FIELDS, key=key, commit=commit)
        out.extend(found)           # (a report added or removed shows through its fields)
        old, new = raw.get(ch.before) or b"", raw.get(ch.after) or b""
        if any(k in old or k in new for k in _CYCLE_KEYS):
            out.extend(_cycle_changes(blobs(ch.before), blobs(ch.after), key, commit))
    return out


# ----------------------------------------------------------------------------- approve


def approve(store: Store, note: str | None = None, today: _dt.date | None = None,
            push: bool = True, collected: Review | None = None) -> tuple[str, int]:
    """Tag HEAD ``reviewed/YYYY-MM-DD`` (``-2``, ``-3`` … when that day already has one)
    and push the tag.  Returns (tag, number of changes it covers).  ``collected``: the
    review of HEAD the caller has just made (:func:`collect`), so it is not read again."""
    review = collected or collect(store)
    if review.base is not None and review.base_commit == review.head:
        raise ReviewError(f"前回の確認（{review.base}）のあと、新しいコミットはありません。承認の印は付けませんでした")
    central = push and store.has_remote()
    if central:
        ahead, _behind = store.ahead_behind()
        if ahead:
            raise ReviewError(f"この PC に、中央のリポジトリへまだ送っていないコミットが{ahead}件あります。"
                              "shinchoku sync で送ってから、もう一度承認してください")
    day = (today or _dt.date.today()).isoformat()
    existing = {name for name, _commit in store.tags(f"{TAG_PREFIX}{day}")}
    if central:
        existing |= store.remote_tags(f"{TAG_PREFIX}{day}")
    name, n = f"{TAG_PREFIX}{day}", 1
    while name in existing:
        n += 1
        name = f"{TAG_PREFIX}{day}-{n}"
    since = f"{review.base} 以降" if review.base else "記録リポジトリの作成以降"
    message = (f"変更確認済み: {since}の変更 {len(review.changes)}件"
               f"（コミット {len(review.commits)}件、{len(review.authors)}人）")
    if note:
        message += f"\n\n{note.strip()}"
    store.create_tag(name, message, review.head)
    if central:
        try:
            store.push_tag(name)
        except Exception as exc:
            store.delete_tag(name)
            raise ReviewError(f"承認の印（{name}）を中央のリポジトリに送れませんでした。"
                              f"ネットワークをご確認のうえ、もう一度実行してください（{_first_line(exc)}）") from None
    return name, len(review.changes)


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "stderr", "") or exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


# ----------------------------------------------------------------------------- revert


def reverted_records(store: Store, sha: str) -> tuple[Commit, list[dict[str, Any]], list[FieldChange]]:
    """(the commit, the records as HEAD has them with that commit's field changes undone,
    the changes undone).  ReviewError when a later commit changed one of the same fields."""
    full = store.rev(sha)
    if full is None:
        raise ReviewError(f"コミット「{sha}」が見つかりません")
    parents = store.parents(full)
    if len(parents) > 1:
        raise ReviewError(f"{full[:7]} は複数の変更をまとめたコミット（マージ）です。取り消す元の変更のコミットを指定してください")
    entry = store.log([f"{full}^!"] if parents else [full], merges=False)
    if not entry:
        raise ReviewError(f"{full[:7]} は記録（records/）を変更していません")
    commit = entry[0]
    undone = [c for c in commit_changes(store, commit, parents[0] if parents else None)
              if c.field not in schema.shape().cycle_fields]     # 提出・差戻し・確認 have their own commands
    if not undone:
        raise ReviewError(f"{commit.short}（{commit.subject}）には取り消せる記録の変更がありません")
    current: dict[str, Record] = {}
    conflicts = []
    for c in undone:
        path = c.ref.relpath
        if path not in current:
            rec = records.mapping_or_none(store.read_blob("HEAD", path))
            if rec is None:
                raise ReviewError(f"{path} は今の記録にありません（その後に削除されています）")
            current[path] = Record(rec)
        rec = current[path]
        report = rec.report(c.department)
        now = report.get(c.field) if report else None
        if now != c.after:
            conflicts.append((f"{c.year} No {c.no} {c.department} {c.field}", now == c.before))
            continue
        rec.set(c.department, c.field, c.before)
    if conflicts and all(was for _w, was in conflicts) and len(conflicts) == len(undone):
        raise ReviewError(f"{commit.short} の変更は、すでに元に戻っています（取り消し済みか、その後に同じ内容へ直されています）")
    if conflicts:
        raise ReviewError(f"{commit.short} のあとに同じ項目が変更されているため、取り消せません: "
                          + "、".join(w for w, _u in conflicts) + "（今の内容を確かめ、必要なら Excel で直してください）")
    return commit, [r.data for r in current.values()], undone
