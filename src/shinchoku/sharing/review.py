"""The coordinator's review: every field change since the last approved review.

* :func:`collect` walks the commits after the base (the newest ``reviewed/…`` tag, or a
  ref or date the coordinator names) up to HEAD, and asks :mod:`shinchoku.rules.fielddiff`
  what each commit changed in each record, field by field;
* :func:`render_text` / :func:`render_html` show the changes grouped by department
  and initiative, a long text as a word diff (:mod:`shinchoku.sharing.diffwords`);
* :func:`approve` marks HEAD as reviewed with an annotated ``reviewed/YYYY-MM-DD[-n]``
  tag and pushes it, so the next review starts there;
* :func:`revert` undoes one commit's field changes as a new commit (history keeps both),
  refusing when a later change touched the same field.

Git is reached only through :class:`shinchoku.store.Store`.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

from shinchoku.errors import ShinchokuError
from shinchoku.model import records, schema, yamlio
from shinchoku.model.plan import Plan
from shinchoku.model.plan import load_text as load_plan_text
from shinchoku.rules import fielddiff
from shinchoku.sharing import diffwords

TAG_PREFIX = "reviewed/"
PLAN_RELPATH = f"{records.RECORDS}/plan.yaml"
EMPTY = "（空欄）"
_SEP = "\x1f"
_NULL = "0" * 40
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


class ReviewError(ShinchokuError):
    """Something the coordinator can act on (message in Japanese)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    when: _dt.datetime
    subject: str
    body: str = ""

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def when_text(self) -> str:
        return self.when.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Change:
    commit: Commit
    path: str              # records/R2/05.yaml
    year: str
    no: int
    department: str
    field: str
    before: str | None
    after: str | None


@dataclass
class Review:
    base: str | None                   # tag name, ref or date the review starts after
    base_commit: str | None
    head: str
    changes: list[Change] = field(default_factory=list)
    plan_commits: list[Commit] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)   # every commit in range, oldest first
    plan: Plan | None = None
    compared: str = ""          # what was compared, for the reader (「中央のリポジトリ（origin/main、…）を…から比べました」)

    @property
    def authors(self) -> list[str]:
        return list(dict.fromkeys(c.commit.author for c in self.changes))

    def groups(self) -> list[tuple[str, list[tuple[int, str, list[Change]]]]]:
        """[(department, [(No, 施策名, changes)])] in plan order, changes oldest first."""
        plan = self.plan or Plan({})
        order = {d: k for k, d in enumerate(plan.departments())}
        names = {i.no: i.name for i in plan.initiatives()}
        by_dept: dict[str, dict[int, list[Change]]] = {}
        for c in self.changes:
            by_dept.setdefault(c.department, {}).setdefault(c.no, []).append(c)
        out = []
        for dept in sorted(by_dept, key=lambda d: (order.get(d, len(order)), d)):
            items = []
            for no in sorted(by_dept[dept]):
                items.append((no, names.get(no, ""), by_dept[dept][no]))
            out.append((dept, items))
        return out


# ----------------------------------------------------------------------------- git


def _is_commit(store, ref: str) -> str | None:
    try:
        return store.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip() or None
    except Exception:
        return None


def last_reviewed(store, head: str = "HEAD") -> tuple[str, str] | None:
    """(tag, commit) of the newest ``reviewed/…`` tag that ``head`` contains, or None."""
    out = store.git("tag", "--list", f"{TAG_PREFIX}*", "--merged", head,
                    "--sort=-v:refname", "--sort=-creatordate", "--format=%(refname:short)")
    for name in out.splitlines():
        name = name.strip()
        if name:
            sha = _is_commit(store, name)
            if sha:
                return name, sha
    return None


def _root_commit(store, head: str = "HEAD") -> str | None:
    """The first commit ``head`` descends from (the repository's creation)."""
    roots = store.git("rev-list", "--max-parents=0", "--first-parent", head).split()
    return roots[-1] if roots else None


def _log(store, rev_range: list[str], since: str | None) -> list[Commit]:
    fmt = _SEP.join(["%H", "%an", "%ae", "%aI", "%s", "%b"]) + "\x1e"
    args = ["log", "--reverse", "--topo-order", "--no-merges", f"--format={fmt}"]
    if since:
        args.append(f"--since={since}")
    out = store.git(*args, *rev_range, "--", records.RECORDS)
    commits = []
    for entry in out.split("\x1e"):
        entry = entry.strip("\n")
        if not entry:
            continue
        commits.append(_commit((entry.split(_SEP) + [""] * 6)[:6]))
    return commits


def _commit(fields: list[str]) -> Commit:
    sha, name, email, when, subject, body = fields
    return Commit(sha, name, email, _dt.datetime.fromisoformat(when), subject, body.strip())


def _changed_paths(store, sha: str) -> list[str]:
    out = store.git("diff-tree", "--root", "--no-commit-id", "-r", "--name-only", "-z", sha, "--", records.RECORDS)
    return [p for p in out.split("\0") if p]


def _parent(store, sha: str) -> str | None:
    return _is_commit(store, f"{sha}^")


def _record_at(store, rev: str | None, path: str) -> dict[str, Any] | None:
    if rev is None:
        return None
    return records.mapping_or_none(store.read_blob(rev, path))


def commit_changes(store, commit: Commit, parent: str | None = None) -> list[Change]:
    """Field changes one commit made to records (against its first parent)."""
    parent = parent if parent is not None else _parent(store, commit.sha)
    out: list[Change] = []
    for path in _changed_paths(store, commit.sha):
        if not records.is_record_path(path):
            continue
        year, no = records.parse_relpath(path.split("/", 1)[1])
        old = _record_at(store, parent, path)
        new = _record_at(store, commit.sha, path)
        for fc in fielddiff.changes(old, new, schema.report_fields()):
            if fc.field == "主管課":
                continue            # a report added or removed shows through its fields
            out.append(Change(commit, path, year, no, fc.department, fc.field, fc.before, fc.after))
        from shinchoku.sheet.progressview import review_changes  # 提出状況 and comments (the yearly cycle)

        out.extend(Change(commit, path, year, no, d, f, b, a) for d, f, b, a in review_changes(old, new))
    return out


def collect(store, since: str | None = None, target: str = "HEAD") -> Review:
    """Every change after the base up to ``target`` (HEAD, or the central repository's
    ``origin/main`` just fetched).  ``since`` is a ref (tag, commit) or a date
    (2025-04-01); None means the newest ``reviewed/…`` tag (or the beginning)."""
    head = _is_commit(store, target)
    if head is None:
        raise ReviewError("まだコミットがありません")
    base, base_commit, date = None, None, None
    if since:
        sha = _is_commit(store, since)
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
            base_commit = _root_commit(store, head)
    rev_range = [f"{base_commit}..{head}"] if base_commit else [head]
    # One `git log --raw` names every commit, its changed files and their blobs before
    # and after; the blobs come in one `cat-file --batch`, each parsed once (as history).
    logged = store.log_changes(rev_range, since=date)
    commits = [_commit(fields) for fields, _files in logged]
    try:
        plan = store.plan_at(head) or Plan({})          # parsed once per plan, then cached
        if not plan.data and store.read_blob(head, PLAN_RELPATH):
            raise yamlio.YamlError(1, "計画の形になっていません（項目と値の対応表が必要です）")
    except yamlio.YamlError as exc:
        raise ReviewError(f"計画を読めません: {PLAN_RELPATH}:{exc.line}: {exc.message}") from None
    review = Review(base, base_commit, head, commits=commits, plan=plan)
    wanted = [sha for _f, files in logged for path, *shas in files if records.is_record_path(path)
              for sha in shas if sha != _NULL]
    raw = store.read_objects(wanted)
    parsed: dict[str, dict[str, Any] | None] = {_NULL: None}

    def record(sha: str) -> dict[str, Any] | None:
        if sha not in parsed:
            parsed[sha] = records.mapping_or_none(raw[sha] if sha in raw else store.read_object(sha))
        return parsed[sha]

    fields = schema.report_fields()
    field_names = [f for f in fields if f != "主管課"]
    for commit, (_fields, files) in zip(commits, logged):
        if any(path == PLAN_RELPATH for path, _b, _a in files):
            review.plan_commits.append(commit)
        for path, before, after in files:
            if not records.is_record_path(path):
                continue
            year, no = records.parse_relpath(path.split("/", 1)[1])
            found = _span_changes(raw.get(before) if before != _NULL else b"",
                                  raw.get(after) if after != _NULL else b"", field_names)
            if found is None:           # not in canonical layout: parse both versions whole
                found = [(fc.department, fc.field, fc.before, fc.after)
                         for fc in fielddiff.changes(record(before), record(after), fields) if fc.field != "主管課"]
            for department, name, old, new in found:
                # (a report added or removed shows through its fields)
                review.changes.append(Change(commit, path, year, no, department, name, old, new))
            if any(key in (raw.get(sha) or b"") for sha in (before, after) if sha != _NULL for key in _CYCLE_KEYS):
                from shinchoku.sheet.progressview import review_changes  # 提出状況 and comments (the yearly cycle)

                review.changes.extend(Change(commit, path, year, no, d, f, b, a)
                                      for d, f, b, a in review_changes(record(before), record(after)))
    return review


_CYCLE_KEYS = tuple(f"\n    {k}:".encode("utf-8") for k in schema.CYCLE_FIELDS)   # a report's 提出状況 / コメント


_REPORTS_AT = "\n報告:\n".encode("utf-8")
_REPORT_AT = "\n  - 主管課: ".encode("utf-8")


def _report_spans(raw: bytes, fields: list[str]) -> dict[str, dict[str, bytes]] | None:
    """{department: {field: its lines}} of a record in canonical layout (the hooks keep
    every commit so), found with ``bytes.find``; None for any other layout."""
    from shinchoku.sharing.history import _NOT_PLAIN

    if not raw:
        return {}
    at = raw.find(_REPORTS_AT)
    if at < 0:
        return None
    out: dict[str, dict[str, bytes]] = {}
    start = raw.find(_REPORT_AT, at)
    if start < 0:
        return {} if raw[at:].strip() == "報告:".encode("utf-8") else None
    if start != at + len(_REPORTS_AT) - 1:
        return None
    keys = [(f, b"\n    " + f.encode("utf-8") + b":") for f in fields]
    while start >= 0:
        following = raw.find(_REPORT_AT, start + 1)
        end = following if following >= 0 else len(raw)
        name_end = raw.find(b"\n", start + 1)
        name = raw[start + len(_REPORT_AT):name_end if 0 <= name_end < end else end]
        if not name or name[0] in _NOT_PLAIN or b": " in name or name.endswith(b" "):
            return None
        try:
            dept = name.decode("utf-8")
        except UnicodeDecodeError:
            return None
        spans: dict[str, bytes] = {}
        for field, key in keys:
            k = raw.find(key, start, end)
            if k < 0:
                continue
            stop = raw.find(b"\n", k + 1)
            while 0 <= stop < end and (raw.startswith(b"      ", stop + 1) or raw.startswith(b"\n", stop + 1)):
                stop = raw.find(b"\n", stop + 1)
            spans[field] = raw[k + 1:stop if 0 <= stop <= end else end]
        out[dept] = spans
        start = following
    return out


def _span_changes(old: bytes | None, new: bytes | None,
                  fields: list[str]) -> list[tuple[str, str, str | None, str | None]] | None:
    """What :func:`fielddiff.changes` finds between two canonical records, comparing each
    field's bytes and decoding only the fields that differ; None when either record is
    laid out otherwise, or a value needs the parser's judgement (the caller parses)."""
    from shinchoku.sharing.history import _decode

    if old is None or new is None:
        return None
    before, after = _report_spans(old, fields), _report_spans(new, fields)
    if before is None or after is None:
        return None
    out = []
    for dept in list(after) + [d for d in before if d not in after]:
        b, a = before.get(dept, {}), after.get(dept, {})
        for name in fields:
            bs, as_ = b.get(name), a.get(name)
            if bs == as_:
                continue
            bv, av = _decode(bs, name), _decode(as_, name)
            if (bs is not None and bv is None) or (as_ is not None and av is None) or bv == av:
                return None             # an empty or odd value, or the same value written otherwise
            out.append((dept, name, bv, av))
    return out


# ----------------------------------------------------------------------------- approve


def approve(store, note: str | None = None, today: _dt.date | None = None,
            push: bool = True) -> tuple[str, int]:
    """Tag HEAD ``reviewed/YYYY-MM-DD`` (``-2``, ``-3`` … when that day already has one)
    and push the tag.  Returns (tag, number of changes it covers)."""
    review = collect(store)
    if review.base is not None and review.base_commit == review.head:
        raise ReviewError(f"前回の確認（{review.base}）のあと、新しいコミットはありません。承認の印は付けませんでした")
    if push and _has_remote(store):
        ahead, _behind = store.ahead_behind()
        if ahead:
            raise ReviewError(f"この PC に、中央のリポジトリへまだ送っていないコミットが{ahead}件あります。"
                              "shinchoku sync で送ってから、もう一度承認してください")
    day = (today or _dt.date.today()).isoformat()
    existing = set(store.git("tag", "--list", f"{TAG_PREFIX}{day}*").split())
    if push and _has_remote(store):
        existing |= _remote_tags(store, f"{TAG_PREFIX}{day}")
    name, n = f"{TAG_PREFIX}{day}", 1
    while name in existing:
        n += 1
        name = f"{TAG_PREFIX}{day}-{n}"
    since = f"{review.base} 以降" if review.base else "記録リポジトリの作成以降"
    message = (f"変更確認済み: {since}の変更 {len(review.changes)}件"
               f"（コミット {len(review.commits)}件、{len(review.authors)}人）")
    if note:
        message += f"\n\n{note.strip()}"
    store.git("tag", "-a", name, "-m", message, review.head)
    if push and _has_remote(store):
        try:
            store.git("push", "origin", f"refs/tags/{name}")
        except Exception as exc:
            store.git("tag", "-d", name)
            raise ReviewError(f"承認の印（{name}）を中央のリポジトリに送れませんでした。"
                              f"ネットワークをご確認のうえ、もう一度実行してください（{_first_line(exc)}）") from None
    return name, len(review.changes)


def _has_remote(store) -> bool:
    return "origin" in store.git("remote").split()


def _remote_tags(store, prefix: str) -> set[str]:
    try:
        out = store.git("ls-remote", "--tags", "origin", f"refs/tags/{prefix}*")
    except Exception:
        return set()
    return {line.split("refs/tags/", 1)[1] for line in out.splitlines() if "refs/tags/" in line and not line.endswith("^{}")}


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "stderr", "") or exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


# ----------------------------------------------------------------------------- revert


def _report(rec: dict[str, Any], dept: str) -> dict[str, Any] | None:
    return next((r for r in rec.get("報告", []) if isinstance(r, dict) and r.get("主管課") == dept), None)


def reverted_records(store, sha: str) -> tuple[Commit, list[dict[str, Any]], list[Change]]:
    """(the commit, the records as HEAD has them with that commit's field changes undone,
    the changes undone).  ReviewError when a later commit changed one of the same fields."""
    full = _is_commit(store, sha)
    if full is None:
        raise ReviewError(f"コミット「{sha}」が見つかりません")
    parents = store.git("rev-list", "--parents", "-n", "1", full).split()[1:]
    if len(parents) > 1:
        raise ReviewError(f"{full[:7]} は複数の変更をまとめたコミット（マージ）です。取り消す元の変更のコミットを指定してください")
    entry = _log(store, [f"{full}^!"] if parents else [full], None)
    if not entry:
        raise ReviewError(f"{full[:7]} は記録（records/）を変更していません")
    commit = entry[0]
    changes = [c for c in commit_changes(store, commit, parents[0] if parents else None)
               if c.field not in schema.CYCLE_FIELDS]     # 提出・差戻し・確認 have their own commands
    if not changes:
        raise ReviewError(f"{commit.short}（{commit.subject}）には取り消せる記録の変更がありません")
    current: dict[str, dict[str, Any]] = {}
    conflicts = []
    for c in changes:
        if c.path not in current:
            rec = _record_at(store, "HEAD", c.path)
            if rec is None:
                raise ReviewError(f"{c.path} は今の記録にありません（その後に削除されています）")
            current[c.path] = rec
        rec = current[c.path]
        report = _report(rec, c.department)
        now = report.get(c.field) if report else None
        if now != c.after:
            conflicts.append((f"{c.year} No {c.no} {c.department} {c.field}", now == c.before))
            continue
        if report is None:
            report = {"主管課": c.department}
            rec.setdefault("報告", []).append(report)
        if c.before in (None, ""):
            report.pop(c.field, None)
        else:
            report[c.field] = c.before
    if conflicts and all(undone for _w, undone in conflicts) and len(conflicts) == len(changes):
        raise ReviewError(f"{commit.short} の変更は、すでに元に戻っています（取り消し済みか、その後に同じ内容へ直されています）")
    if conflicts:
        raise ReviewError(f"{commit.short} のあとに同じ項目が変更されているため、取り消せません: "
                          + "、".join(w for w, _u in conflicts) + "（今の内容を確かめ、必要なら Excel で直してください）")
    return commit, list(current.values()), changes


def revert_note(commit: Commit, note: str) -> str:
    """The reason recorded with a revert (Japanese, for history)."""
    return (f"取り消し: {commit.short}（{commit.author}、{commit.when_text}「{commit.subject}」）\n\n"
            f"理由: {note.strip()}\n\n取り消したコミット: {commit.sha}")


# ----------------------------------------------------------------------------- text


def _value(v: str | None) -> str:
    return EMPTY if v in (None, "") else v


def describe_base(review: Review) -> str:
    if review.base is None and review.base_commit:
        return (f"確認済みの印（reviewed/…）がまだないため、記録リポジトリの作成（{review.base_commit[:7]}）"
                "以降の変更")
    if review.base is None:
        return "確認済みの印（reviewed/…）がまだないため、最初からの変更"
    if review.base_commit and review.base.startswith(TAG_PREFIX):
        return f"前回の確認 {review.base}（{review.base_commit[:7]}）以降の変更"
    if review.base_commit and review.base_commit.startswith(review.base):
        return f"{review.base_commit[:7]} 以降の変更"
    if review.base_commit:
        return f"{review.base}（{review.base_commit[:7]}）以降の変更"
    return f"{review.base} 以降の変更"


def revert_reason(body: str) -> str | None:
    """The reason a revert commit (:func:`revert_note`) records, or None."""
    for line in (body or "").splitlines():
        if line.startswith("理由: "):
            return line[len("理由: "):].strip()
    return None


def base_text(review: Review) -> str:
    """Where the comparison starts, for 「…から比べました」."""
    if review.base is None:
        return f"記録リポジトリの作成（{review.base_commit[:7]}）" if review.base_commit else "最初"
    if review.base_commit and not review.base_commit.startswith(review.base):
        return f"{review.base}（{review.base_commit[:7]}）"
    return review.base[:7] if review.base_commit else review.base


def summary_line(review: Review) -> str:
    return (f"{describe_base(review)}: {len(review.changes)}件"
            f"（コミット {len(review.commits)}件、{len(review.authors)}人）")


def render_text(review: Review, color: bool = False) -> str:
    lines = [summary_line(review), *([review.compared] if review.compared else []), ""]
    if not review.changes and not review.plan_commits:
        lines.append("変更はありません。")
        return "\n".join(lines) + "\n"
    for dept, items in review.groups():
        lines.append(f"■ {dept}")
        for no, name, changes in items:
            lines.append(f"  No {no} {name}")
            for c in changes:
                lines.append(f"    {c.year} {c.field} ─ {c.commit.author}  {c.commit.when_text}  {c.commit.short}")
                reason = revert_reason(c.commit.body)
                if reason:
                    lines.append(f"      取り消しの理由: {reason}")
                pieces = diffwords.diff(c.before or "", c.after or "") if diffwords.is_long(c.before, c.after) else None
                if pieces is not None and diffwords.rewritten(pieces):
                    for label, text in (("変更前", c.before), ("変更後", c.after)):
                        body = (text or "").split("\n")
                        lines.append(f"      {label}: {body[0]}")
                        lines.extend(f"              {ln}" for ln in body[1:])
                elif pieces is not None:
                    text = diffwords.render_text(diffwords.context(pieces, 30), color)
                    lines.extend("      " + ln for ln in text.split("\n"))
                else:
                    lines.append(f"      {_value(c.before)} → {_value(c.after)}".replace("\n", "↵"))
        lines.append("")
    if review.plan_commits:
        lines.append("■ 計画（plan.yaml）の変更")
        for c in review.plan_commits:
            lines.append(f"    {c.author}  {c.when_text}  {c.short}  {c.subject}")
        lines.append("")
    lines.append("承認するには: shinchoku review --approve    1件を取り消すには: shinchoku review --revert コミット --note 理由")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- HTML

CSS = """
body{font-family:"Yu Gothic UI","Meiryo","Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f4e79;color:#fff;padding:12px 24px;position:sticky;top:0;z-index:2}
header h1{font-size:19px;margin:0}
header p{margin:4px 0 0;font-size:13px;opacity:.92}
.bar{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin-top:8px;font-size:13px}
.bar select,.bar button{font:inherit;padding:2px 6px}
main{padding:14px 24px;max-width:1200px}
section.dept{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 16px 12px;margin-bottom:14px}
section.dept h2{font-size:17px;margin:6px 0;border-left:5px solid #1f4e79;padding-left:8px}
.count{font-size:13px;color:#555;font-weight:normal}
h3{font-size:14px;margin:12px 0 4px;color:#1f4e79}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #d7dce2;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#eef3f8;white-space:nowrap;font-weight:normal;color:#333}
td.meta{white-space:nowrap;width:1%}
td.who{white-space:nowrap;width:1%}
td.who small,td.meta small{color:#666}
code{font-family:Consolas,"Courier New",monospace;font-size:12px}
.diff{white-space:pre-wrap;line-height:1.6}
del{background:#ffd7d5;color:#8b1a13;text-decoration:line-through}
ins{background:#d4f7d9;color:#0b5d1e;text-decoration:none}
.empty{color:#888}
.rewritten del,.rewritten ins{display:block;padding:2px 4px}
.arrow{font-size:12px;color:#666;margin:2px 0}
details summary{cursor:pointer;color:#1f4e79;font-size:12px;margin-top:4px}
.full{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:6px}
.full div{border:1px solid #e1e4e8;border-radius:4px;padding:6px 8px;white-space:pre-wrap;background:#fbfbfc}
.full b{display:block;font-size:12px;color:#555;margin-bottom:2px}
.plan{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 16px;margin-bottom:14px}
.none{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px}
.hint{font-size:12px;color:#555}
@media print{header{position:static}details{display:block}}
"""

JS = """
(function(){
  var sel=document.getElementById('dept');
  function apply(){
    var v=sel.value, shown=0;
    document.querySelectorAll('section.dept').forEach(function(s){
      var on=(v==='' || s.getAttribute('data-dept')===v);
      s.hidden=!on; if(on){shown+=Number(s.getAttribute('data-count'));}
    });
    document.getElementById('shown').textContent=shown;
  }
  sel.addEventListener('change',function(){
    history.replaceState(null,'',sel.value?'#dept='+encodeURIComponent(sel.value):'#');
    apply();
  });
  var m=/^#dept=(.*)$/.exec(location.hash);
  if(m){var want=decodeURIComponent(m[1]);
    for(var i=0;i<sel.options.length;i++){if(sel.options[i].value===want){sel.value=want;}}}
  document.getElementById('open-all').addEventListener('click',function(){
    document.querySelectorAll('details').forEach(function(d){d.open=true;});
  });
  document.getElementById('close-all').addEventListener('click',function(){
    document.querySelectorAll('details').forEach(function(d){d.open=false;});
  });
  apply();
})();
"""


def _diff_html(before: str | None, after: str | None) -> str:
    if not diffwords.is_long(before, after):
        b = f'<span class="empty">{EMPTY}</span>' if before in (None, "") else f"<del>{escape(before)}</del>"
        a = f'<span class="empty">{EMPTY}</span>' if after in (None, "") else f"<ins>{escape(after)}</ins>"
        return f'<div class="diff">{b} → {a}</div>'
    pieces = diffwords.diff(before or "", after or "")
    if diffwords.rewritten(pieces):
        return (f'<div class="diff rewritten"><del>{escape(before or "")}</del>'
                f'<div class="arrow">↓ 書き換え</div><ins>{escape(after or "")}</ins></div>')
    pieces = diffwords.context(pieces, 40)
    out = []
    for p in pieces:
        if p.op == diffwords.EQUAL:
            out.append(escape(p.text))
        elif p.op == diffwords.DELETE:
            out.append(f"<del>{escape(p.text)}</del>")
        else:
            out.append(f"<ins>{escape(p.text)}</ins>")
    return f'<div class="diff">{"".join(out)}</div>'


def _full_html(before: str | None, after: str | None) -> str:
    def box(title: str, text: str | None) -> str:
        body = escape(text) if text else f'<span class="empty">{EMPTY}</span>'
        return f"<div><b>{title}</b>{body}</div>"
    return ("<details><summary>全文を見る</summary><div class=\"full\">"
            + box("変更前", before) + box("変更後", after) + "</div></details>")


def render_html(review: Review, title: str = "変更確認", generated: _dt.datetime | None = None) -> str:
    when = (generated or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    groups = review.groups()
    options = "".join(
        f'<option value="{escape(d)}">{escape(d)}（{sum(len(c) for _n, _t, c in items)}件）</option>'
        for d, items in groups)
    h = [
        "<!DOCTYPE html>", '<html lang="ja">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}（{escape(when)}）</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<header><h1>{escape(title)}</h1><p>{escape(summary_line(review))}　作成 {escape(when)}</p>",
        f"<p>{escape(review.compared)}</p>" if review.compared else "",
        '<div class="bar"><label>主管課: <select id="dept"><option value="">すべて</option>'
        f"{options}</select></label>"
        f'<span>表示中 <b id="shown">{len(review.changes)}</b> 件</span>'
        '<button type="button" id="open-all">全文をすべて開く</button>'
        '<button type="button" id="close-all">すべて閉じる</button></div></header>',
        "<main>",
    ]
    if not review.changes and not review.plan_commits:
        h.append('<div class="none">変更はありません。</div>')
    for dept, items in groups:
        count = sum(len(c) for _n, _t, c in items)
        h.append(f'<section class="dept" data-dept="{escape(dept)}" data-count="{count}">'
                 f'<h2>{escape(dept)} <span class="count">{count}件</span></h2>')
        for no, name, changes in items:
            h.append(f"<h3>No {no} {escape(name)}</h3>")
            h.append("<table><thead><tr><th>年度・項目</th><th>変更前 → 変更後</th><th>だれが・いつ</th></tr></thead><tbody>")
            for c in changes:
                h.append(
                    f'<tr class="change" data-commit="{c.commit.sha}">'
                    f'<td class="meta">{escape(c.year)}<br><b>{escape(c.field)}</b></td>'
                    f"<td>{_diff_html(c.before, c.after)}"
                    f"{_full_html(c.before, c.after) if diffwords.is_long(c.before, c.after) else ''}</td>"
                    f'<td class="who" title="{escape(c.commit.email)}">{escape(c.commit.author)}<br>'
                    f"<small>{escape(c.commit.when_text)}</small><br>"
                    f'<small>コミット <code title="{escape(c.commit.subject)}">{c.commit.short}</code></small>'
                    + (f'<br><small class="reason">取り消しの理由: {escape(revert_reason(c.commit.body) or "")}</small>'
                       if revert_reason(c.commit.body) else "") + "</td></tr>")
            h.append("</tbody></table>")
        h.append("</section>")
    if review.plan_commits:
        h.append('<div class="plan"><h2>計画（plan.yaml）の変更</h2><table><tbody>')
        for c in review.plan_commits:
            h.append(f"<tr><td class=\"who\">{escape(c.author)}</td><td class=\"meta\">{escape(c.when_text)}</td>"
                     f"<td><code>{c.short}</code></td><td>{escape(c.subject)}</td></tr>")
        h.append("</tbody></table></div>")
    h.append('<p class="hint">承認するには <code>shinchoku review --approve</code>、1件を取り消すには '
             "<code>shinchoku review --revert コミット --note 理由</code> を実行します。</p>")
    h.append("</main>")
    h.append(f"<script>{JS}</script>")
    h.append("</body></html>")
    return "\n".join(h) + "\n"


ROW_KEYS = ["主管課", "No", "施策名", "年度", "項目", "変更前", "変更後", "変更者", "日時", "コミット", "コミットの説明"]


def rows(review: Review) -> list[dict[str, Any]]:
    """The changes as flat rows in review order (department, initiative, oldest first):
    what the add-in's 変更確認 sheet lists, one row per change."""
    return [
        {"主管課": c.department, "No": c.no, "施策名": name, "年度": c.year, "項目": c.field,
         "変更前": c.before, "変更後": c.after, "変更者": c.commit.author,
         "日時": c.commit.when.isoformat(), "コミット": c.commit.sha, "コミットの説明": _described(c.commit)}
        for _d, items in review.groups() for _n, name, cs in items for c in cs]


def _described(commit: Commit) -> str:
    reason = revert_reason(commit.body)
    return f"{commit.subject}（理由: {reason}）" if reason else commit.subject


def to_json(review: Review) -> str:
    """The changes as JSON (for the add-in and other tools)."""
    return json.dumps(rows(review), ensure_ascii=False, indent=1)
