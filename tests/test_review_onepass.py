"""`review` reads history the way `history` does: one `git log --raw` for the whole
range (and one `cat-file --batch` for the blobs), and finds exactly what reading each
commit on its own finds."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import edit_report
from gitrepo import author, commit_all, git, records_repo
from shinchoku.sharing import review
from shinchoku.store import Store


def _repo(tmp_path: Path) -> Path:
    root = author(records_repo(tmp_path / "repo", wired=False), ("山田 花子", "yamada@city.example"))
    commit_all(root, "取り込み", when="2025-04-01T10:00:00+09:00")
    day = iter(range(2, 28))

    def commit(msg: str) -> None:
        git(root, "commit", "-q", "-am", msg, when=f"2025-05-{next(day):02d}T09:00:00+09:00")

    edit_report(root, "R2", 5, "指導室", 実績="一行目\n二行目")
    commit("実績")
    edit_report(root, "R2", 5, "児童青少年課", 課題="参加者が少ない", 進捗状況="計画通りに進んでいない")
    edit_report(root, "R2", 1, "協働推進課", 備考="備考を追加")
    commit("二つの記録")
    # a side branch merged back: the merge itself is not a change, its commits are
    git(root, "checkout", "-q", "-b", "side")
    edit_report(root, "R2", 1, "協働推進課", 備考=None)
    commit("備考を消す")
    git(root, "checkout", "-q", "main")
    edit_report(root, "R2", 5, "指導室", 次年度へ向けた取組="引き続き")
    commit("取組")
    git(root, "merge", "-q", "--no-edit", "side")
    # a record removed, the plan changed
    git(root, "rm", "-q", "records/R2/01.yaml")
    commit("記録を削除")
    plan = root / "records" / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("計画名: ", "計画名: 新"), encoding="utf-8")
    commit("計画名")
    return root


def test_review_finds_what_reading_each_commit_finds(tmp_path):
    root = _repo(tmp_path)
    store = Store(root)
    got = review.collect(store, since="2025-04-15")
    assert {c.subject for c in got.commits} == {"実績", "二つの記録", "備考を消す", "取組", "記録を削除", "計画名"}
    # the reference: each commit on its own, against its parent (what review did before)
    want = [ch for c in got.commits for ch in review.commit_changes(store, c)]
    assert sorted(map(repr, got.changes)) == sorted(map(repr, want))
    assert len(got.changes) >= 7
    assert {c.field for c in got.changes if c.no == 1 and c.commit.subject != "記録を削除"} == {"備考"}
    assert {c.after for c in got.changes if c.commit.subject == "記録を削除"} == {None}
    assert [c.subject for c in got.plan_commits] == ["計画名"]
    # from the root: the import is part of the range only when asked for
    everything = review.collect(store, since=git(root, "rev-list", "--max-parents=0", "HEAD").strip())
    assert len(everything.commits) == len(got.commits)


def test_review_starts_one_git_log_for_the_whole_range(tmp_path, monkeypatch):
    root = _repo(tmp_path)
    store = Store(root)
    started: list[list[str]] = []

    class Counting(subprocess.Popen):         # every git started, by subprocess.run or not
        def __init__(self, cmd, *a, **kw):
            if cmd and cmd[0] == "git":
                started.append(list(cmd))
            super().__init__(cmd, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Counting)
    got = review.collect(store, since="2025-04-15")
    assert len(got.commits) == 6
    logs = [c for c in started if "log" in c]
    assert len(logs) == 1, logs
    assert len(started) <= 5, started      # rev-parse, log, cat-file: not one per commit


# --- the byte-level comparison review uses for canonical records -------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

from shinchoku.model import fields, fieldspans, records, schema  # noqa: E402

_FIELDS = [f for f in schema.report_fields() if f != "主管課"]
_texts = st.text(max_size=30) | st.sampled_from(["No", "12:30", "a\nb", "a\n", "- x", "'q'", "  lead", "末尾 "])
_reports = st.fixed_dictionaries({"主管課": st.sampled_from(["指導室", "児童青少年課", "No", "a: b", "課"])},
                                  optional={f: _texts for f in _FIELDS})
_records = st.builds(lambda rs: {"No": 5, "年度": "R2", "報告": rs}, st.lists(_reports, max_size=3))


@settings(max_examples=300, deadline=None)
@given(_records, _records)
def test_byte_level_changes_are_what_parsing_finds(old, new):
    a, b = records.dumps(old), records.dumps(new)
    spans = fieldspans.changes(a.encode("utf-8"), b.encode("utf-8"), _FIELDS, key=("R2", 5))
    fast = None if spans is None else [(fc.department, fc.field, fc.before, fc.after) for fc in spans]
    want = [(fc.department, fc.field, fc.before, fc.after)
            for fc in fields.changes(records.mapping_or_none(a.encode()), records.mapping_or_none(b.encode()),
                                     schema.report_fields()) if fc.field != "主管課"]
    assert fast is None or fast == want
