"""Issue 9: one door to git.  Nothing outside ``shinchoku.store`` runs git, each format git
writes has one parser (``shinchoku.store.gitlog``), and those parsers read what git writes."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from shinchoku.publish import diffwords
from shinchoku.store import NULL, Store, gitlog

SRC = Path(__file__).resolve().parents[1] / "src" / "shinchoku"
# Modules other helpers are restructuring; each has its intent-named Store methods and
# switches to them (then this set is empty and Store.git/try_git go).
TRANSITIONAL: set[str] = set()      # modules still allowed to run git themselves: none
_RUNS_GIT = re.compile(r"\.(_?git|_?try_git)\(|\[\s*[\"']git[\"']\s*,|\b(spawn|_spawn|_collect)\(")


def test_only_the_store_runs_git():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("store/") or rel in TRANSITIONAL:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _RUNS_GIT.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []


def git(cwd: Path, *args: str, when: str | None = None) -> str:
    env = dict(os.environ)
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "山田 花子")
    git(root, "config", "user.email", "yamada@city.example")
    (root / "a.txt").write_text("一\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "最初", when="2025-04-01T10:00:00+09:00")
    (root / "a.txt").write_text("二\n", encoding="utf-8")
    (root / "名前.txt").write_text("b\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "二つ目\n\n本文の1行目\n理由: テスト", when="2025-04-02T10:00:00+09:00")
    git(root, "mv", "名前.txt", "改名.txt")
    git(root, "commit", "-q", "-m", "改名", when="2025-04-03T10:00:00+09:00")
    git(root, "checkout", "-q", "-b", "side")
    (root / "a.txt").write_text("横\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "横", when="2025-04-04T10:00:00+09:00")
    git(root, "checkout", "-q", "main")
    (root / "c.txt").write_text("c\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "c", when="2025-04-05T10:00:00+09:00")
    git(root, "merge", "-q", "--no-edit", "side")
    return root


def test_one_parser_reads_logs_and_diff_trees(tmp_path):
    root = _repo(tmp_path)
    with Store(root) as s:
        logged = s.log_changes(["HEAD"], path=".")
        assert [c.subject for c, _f in logged] == ["最初", "二つ目", "改名", "c", "横"]  # oldest first, topological
        second = logged[1][0]
        assert (second.author, second.email, second.body) == ("山田 花子", "yamada@city.example", "本文の1行目\n理由: テスト")
        assert second.when.isoformat() == "2025-04-02T10:00:00+09:00" and len(second.parents) == 1
        files = {f.path: f for f in logged[1][1]}
        assert set(files) == {"a.txt", "名前.txt"}                         # not quoted: -z
        assert files["名前.txt"].before == NULL and not files["名前.txt"].deleted
        renamed = {f.path: f for f in logged[2][1]}
        assert renamed["名前.txt"].deleted and renamed["改名.txt"].before == NULL   # --no-renames
        # a history following a rename, merges read combined
        history = [(c, fs) for c, fs in s.file_log(["改名.txt"], follow=True) if fs]
        assert [(c.subject, [f.status[:1] for f in fs]) for c, fs in history] == [("改名", ["R"]), ("二つ目", ["A"])]
        assert history[0][1][0].path == "改名.txt"
        (root / "a.txt").write_text("合わせた\n", encoding="utf-8")       # a merge that changes a.txt itself
        git(root, "commit", "-q", "--amend", "-am", "合わせた")
        merge, files = s.file_log(["a.txt"])[0]
        assert len(merge.parents) == 2 and [len(f.befores) for f in files] == [2]
        # diff-tree over many commits gives the same commits and files as the log
        shas = [c.sha for c, _f in logged]
        by_tree = s.commits_changes(shas[1:])
        assert {sha: [f.path for f in fs] for sha, fs in by_tree.items()} == \
            {c.sha: [f.path for f in fs] for c, fs in logged[1:] if fs}
        # git's own abbreviation where asked for
        [head] = s.log(["HEAD^!"], path=None, abbrev=True)
        assert head.short == git(root, "rev-parse", "--short", "HEAD").strip() and head.parents
        assert [f.path for f in s.tree_diff(None, shas[0])] == ["a.txt"]


def test_refs_tags_and_their_commits(tmp_path):
    root = _repo(tmp_path)
    git(root, "tag", "-a", "reviewed/2025-04-02", "-m", "確認", "HEAD~2")
    git(root, "tag", "reviewed/light", "HEAD~3")
    with Store(root) as s:
        tags = dict(s.tags("reviewed/"))
        assert tags == {"reviewed/2025-04-02": s.rev("HEAD~2"), "reviewed/light": s.rev("HEAD~3")}
        assert s.refs("refs/heads/") == ["refs/heads/main", "refs/heads/side"]
        assert s.parents("HEAD") == tuple(git(root, "rev-parse", "HEAD^1", "HEAD^2").split())
        assert s.root_commit() == git(root, "rev-list", "--max-parents=0", "HEAD").strip()
        assert s.is_ancestor("HEAD~1", "HEAD") and not s.is_ancestor("HEAD", "HEAD~1")
    peeled = ("1" * 40 + "\trefs/tags/reviewed/x\n" + "2" * 40 + "\trefs/tags/reviewed/x^{}\n"
              + "3" * 40 + "\trefs/tags/reviewed/y\n")
    assert [(r.short, r.commit) for r in gitlog.parse_refs(peeled)] == [("reviewed/x", "2" * 40), ("reviewed/y", None)]


def test_push_status_lines():
    out = "To /srv/central.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\n=\trefs/tags/t:refs/tags/t\t[up to date]\nDone\n"
    got = gitlog.parse_push_porcelain(out)
    assert (got["refs/heads/main"].ok, got["refs/heads/main"].summary, got["refs/heads/main"].reason) == \
        (False, "[rejected]", "fetch first")
    assert got["refs/tags/t"].ok


# --- the word diff cuts only the middle of two texts into runs -----------------------------

def _whole_texts_diff(before: str, after: str) -> list[diffwords.Piece]:
    """The word diff as it was before issue 14: both texts cut into runs whole."""
    a, b = diffwords.runs(before), diffwords.runs(after)
    shortest = min(len(a), len(b))
    p = 0
    while p < shortest and a[p] == b[p]:
        p += 1
    s = 0
    while s < shortest - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    middle = diffwords._opcodes(a[p:len(a) - s], b[p:len(b) - s])
    head = [diffwords.Piece(diffwords.EQUAL, "".join(a[:p]))] if p else []
    tail = [diffwords.Piece(diffwords.EQUAL, "".join(a[len(a) - s:]))] if s else []
    return diffwords._trim_replacements(head + middle + tail)


_chars = st.sampled_from(list("あいうアイウ漢字日本ab12 \n。、「」ー々"))
_text = st.lists(_chars, max_size=14).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_text, _text, st.data())
def test_the_word_diff_is_what_cutting_whole_texts_gives(a, b, data):
    if data.draw(st.booleans()):                    # an edit of a, as most changes are
        k = data.draw(st.integers(0, len(a)))
        b = a[:k] + b[:3] + a[k + data.draw(st.integers(0, 2)):]
    assert diffwords.diff(a, b) == _whole_texts_diff(a, b)


# --- a field's multi-line text is read from its lines as the YAML reader reads it -----------

from shinchoku.model import fieldspans, records  # noqa: E402

_line = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_line, min_size=2, max_size=5).map("\n".join))
def test_a_multi_line_text_reads_as_the_parser_reads_it(text):
    raw = records.dumps({"No": 1, "年度": "R2", "報告": [{"主管課": "課", "実績": text}]}).encode("utf-8")
    spans = fieldspans.field_spans(raw, "実績")
    if spans is None:
        return
    parsed = records.mapping_or_none(raw)["報告"][0].get("実績")
    assert fieldspans.decode(spans.get("課"), "実績") == (None if parsed in (None, "") else str(parsed))


def test_the_log_stream_reads_blobs_beside_the_log_and_says_when_git_fails(tmp_path):
    from shinchoku.store import GitError

    root = _repo(tmp_path)
    with Store(root) as s:
        with s.log_with_blobs(["HEAD"], path=".") as stream:
            got = [(c.subject, [f.path for f in fs]) for c, fs, _blobs in stream]
            blobs = dict(stream.blobs)
        assert got == [(c.subject, [f.path for f in fs]) for c, fs in s.log_changes(["HEAD"], path=".")]
        assert blobs[s.object_id("HEAD:a.txt")] == "横\n".encode("utf-8")
        with s.log_with_blobs(["HEAD"], path=".") as stream:      # left early: nothing hangs
            next(iter(stream))
        try:
            with s.log_with_blobs(["no-such-ref..HEAD"], path=".") as stream:
                list(stream)
        except GitError as exc:
            assert exc.message == "git log が失敗しました" and "no-such-ref" in exc.detail
        else:
            raise AssertionError("a bad range must fail")
