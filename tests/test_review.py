"""The coordinator's review on real repositories: a bare central repo and clones for the
coordinator and two staff members, edits scripted with real git."""

from __future__ import annotations

import datetime as _dt
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import edit_report
from gitrepo import commit_all, git, records_repo
from shinchoku.cli import main
from shinchoku.model import records
from shinchoku.publish import diffwords

COORDINATOR = ("協働推進課 調整担当", "kyodo@city.example")
YAMADA = ("山田 花子", "yamada@city.example")      # 指導室
SATO = ("佐藤 一郎", "sato@city.example")          # 児童青少年課

LONG_BEFORE = ("地域に愛着を持ち、積極的に地域活動や協働のまちづくりに取り組む将来の人材を育成するため、"
               "児童・生徒等の子どもたちが地域とつながり深めることができる事業を実施した。")
LONG_AFTER = ("地域に愛着を持ち、積極的に地域活動や協働のまちづくりに取り組む将来の人材を育成するため、"
              "児童・生徒等の子どもたちが地域の事業者とつながり深めることができる授業を年3回実施した。")


def change(root: Path, who, when: str, year: str, no: int, dept: str, **fields: str | None) -> str:
    """A staff member's edit: pull, change the fields, commit as that person, push."""
    git(root, "pull", "-q")
    edit_report(root, year, no, dept, **fields)
    git(root, "commit", "-q", "-am", f"{year} No.{no} {dept}: {', '.join(fields)} を更新", who=who, when=when)
    git(root, "push", "-q", "origin", "HEAD")
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def office(make_office):
    """(central, coordinator, yamada, sato, commits): the small repo on a central server,
    approved once, then edited by two staff members in three commits."""
    o = make_office(hook=False, wired=False, seed_dir="coordinator", when="2025-04-01T10:00:00+09:00")
    central, coord = o.central, o.seed
    assert main(["review", "--approve", "--note", "取り込み直後", "--repo", str(coord)]) == 0
    yamada = o.add("yamada", YAMADA, install=False)
    sato = o.add("sato", SATO, install=False)
    commits = {}
    commits["y1"] = change(yamada, YAMADA, "2025-05-01T09:00:00+09:00", "R2", 5, "指導室", 実績=LONG_BEFORE)
    commits["y2"] = change(yamada, YAMADA, "2025-05-02T09:30:00+09:00", "R2", 5, "指導室", 実績=LONG_AFTER)
    commits["s1"] = change(sato, SATO, "2025-05-03T14:00:00+09:00", "R2", 5, "児童青少年課",
                           進捗状況="計画通りに進んでいる", 課題=None)
    commits["s2"] = change(sato, SATO, "2025-05-03T14:05:00+09:00", "R2", 9, "協働推進課", 備考="2回")
    git(coord, "pull", "-q")
    return central, coord, yamada, sato, commits


def local(when: str) -> str:
    return _dt.datetime.fromisoformat(when).astimezone().strftime("%Y-%m-%d %H:%M")


def test_review_groups_changes_by_department_and_initiative(office, capsys):
    central, coord, _y, _s, commits = office
    capsys.readouterr()
    assert main(["review", "--repo", str(coord)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    today = _dt.date.today().isoformat()
    assert lines[0] == (f"前回の確認 reviewed/{today}（{git(coord, 'rev-parse', '--short=7', 'HEAD~4').strip()}）"
                        "以降の変更: 5件（コミット 4件、2人）")
    # departments in plan order (協働推進課 leads No 1, then 指導室, 児童青少年課), one block each
    heads = [ln for ln in lines if ln.startswith("■ ")]
    assert heads == ["■ 協働推進課", "■ 指導室", "■ 児童青少年課"]
    block = out.split("■ 指導室")[1].split("■ 児童青少年課")[0]
    assert "  No 5 次代の協働の担い手の育成" in block
    # both of 山田's edits, oldest first, with who, when and commit
    y1 = f"    R2 実績 ─ 山田 花子  {local('2025-05-01T09:00:00+09:00')}  {commits['y1'][:7]}"
    y2 = f"    R2 実績 ─ 山田 花子  {local('2025-05-02T09:30:00+09:00')}  {commits['y2'][:7]}"
    assert block.index(y1) < block.index(y2)
    # the long text shows only the edited phrases
    second = block.split(y2)[1]
    assert "地域{+の事業者+}とつながり" in second and "[-事業-]{+授業+}を{+年3回+}実施した。" in second
    assert LONG_AFTER not in second                             # the diff, not the whole text
    # the first edit rewrote the text: shown whole, before and after
    first_edit = block.split(y1)[1].split(y2)[0]
    assert "      変更前: 授業を実施した。\n              地域の人材と連携した。\n" in first_edit
    assert f"      変更後: {LONG_BEFORE}\n" in first_edit
    sato_block = out.split("■ 児童青少年課")[1]
    assert "R2 進捗状況 ─ 佐藤 一郎" in sato_block
    assert "計画通りに進んでいない → 計画通りに進んでいる" in sato_block
    assert "協力者との情報交換が足りない。 → （空欄）" in sato_block
    first = out.split("■ 協働推進課")[1].split("■ 指導室")[0]
    assert "No 9 企業との協働を推進するための各種仕組みの整備" in first and "0回 → 2回" in first


def test_review_since_a_date_or_a_commit(office, capsys):
    _c, coord, _y, _s, commits = office
    capsys.readouterr()
    assert main(["review", "--since", "2025-05-03", "--json", "--repo", str(coord)]) == 0
    import json
    items = json.loads(capsys.readouterr().out)
    assert {(i["主管課"], i["項目"]) for i in items} == {("児童青少年課", "進捗状況"), ("児童青少年課", "課題"), ("協働推進課", "備考")}
    assert main(["review", "--since", commits["s1"], "--json", "--repo", str(coord)]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [(i["No"], i["項目"], i["変更前"], i["変更後"], i["変更者"]) for i in items] == [(9, "備考", "0回", "2回", "佐藤 一郎")]
    assert main(["review", "--since", "先週", "--repo", str(coord)]) == 1
    assert "「先週」はコミット・タグ・日付（2025-04-01 の形）のどれとしても読めません" in capsys.readouterr().err


class Dom(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def test_review_html_is_self_contained_and_filterable(office, tmp_path, capsys):
    _c, coord, _y, _s, commits = office
    out = tmp_path / "変更確認.html"
    assert main(["review", "--html", str(out), "--repo", str(coord)]) == 0
    html = out.read_text(encoding="utf-8")
    dom = Dom(html)
    sections = dom.find("section")
    assert [(s["data-dept"], s["data-count"]) for s in sections] == [("協働推進課", "1"), ("指導室", "2"), ("児童青少年課", "2")]
    assert [o["value"] for o in dom.find("option")] == ["", "協働推進課", "指導室", "児童青少年課"]
    assert all("src" not in a and "href" not in a for _t, a in dom.elements)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert dom.scripts and "fetch(" not in "".join(dom.scripts)
    # a long change can be expanded to the whole text before and after
    rows = dom.find("tr", **{"data-commit": commits["y2"]})
    assert len(rows) == 1
    assert LONG_AFTER in html and LONG_BEFORE in html
    assert "<ins>の事業者</ins>" in html


def chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.skipif(chromium() is None, reason="Chromium がありません")
def test_review_page_filters_by_department_in_a_browser(office, tmp_path):
    _c, coord, *_ = office
    out = tmp_path / "review.html"
    assert main(["review", "--html", str(out), "--repo", str(coord)]) == 0
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", out.as_uri() + "#dept=%E6%8C%87%E5%B0%8E%E5%AE%A4"],
        capture_output=True, text=True, timeout=120)
    dom = Dom(done.stdout)
    shown = [s["data-dept"] for s in dom.find("section") if "hidden" not in s]
    assert shown == ["指導室"], done.stderr[-1000:]
    assert '<b id="shown">2</b>' in done.stdout


def test_approve_tags_head_and_pushes_the_tag(office, capsys):
    central, coord, yamada, _s, _c = office
    capsys.readouterr()
    today = _dt.date.today().isoformat()
    assert main(["review", "--approve", "--note", "5月分を確認しました", "--repo", str(coord)]) == 0
    assert f"確認済みの印 reviewed/{today}-2 を付けました（変更 5件）" in capsys.readouterr().out
    tag = f"reviewed/{today}-2"
    assert git(coord, "cat-file", "-t", tag).strip() == "tag"                      # annotated
    assert git(coord, "rev-parse", f"{tag}^{{commit}}") == git(coord, "rev-parse", "HEAD")
    message = git(coord, "tag", "-l", "--format=%(contents)", tag)
    assert "変更 5件" in message and "5月分を確認しました" in message
    assert git(coord, "for-each-ref", "--format=%(taggername)", f"refs/tags/{tag}").strip() == COORDINATOR[0]
    assert f"refs/tags/{tag}" in git(central, "for-each-ref", "refs/tags")          # pushed
    # the next review starts there
    assert main(["review", "--repo", str(coord)]) == 0
    assert "以降の変更: 0件" in capsys.readouterr().out
    # nothing new: no empty approval
    assert main(["review", "--approve", "--repo", str(coord)]) == 1
    assert "新しいコミットはありません" in capsys.readouterr().err
    # a later change is reviewed from the new tag, and approved as -3 the same day
    change(yamada, YAMADA, "2025-05-10T10:00:00+09:00", "R2", 5, "指導室", 備考="追記")
    git(coord, "pull", "-q")
    assert main(["review", "--repo", str(coord)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"前回の確認 {tag}（") and "以降の変更: 1件" in out
    assert main(["review", "--approve", "--repo", str(coord)]) == 0
    assert f"reviewed/{today}-3" in capsys.readouterr().out


def test_revert_undoes_one_commit_with_a_reason(office, capsys):
    central, coord, _y, sato, commits = office
    before = records.load_record(coord / "records" / "R2" / "05.yaml")
    capsys.readouterr()
    assert main(["review", "--revert", commits["s1"][:7], "--note", "課題の削除は課内で確認中のため", "--repo", str(coord)]) == 0
    out = capsys.readouterr().out
    assert "変更 2件を取り消すコミットを作りました" in out
    rec = records.load_record(coord / "records" / "R2" / "05.yaml")
    child = next(r for r in rec["報告"] if r["主管課"] == "児童青少年課")
    assert child["進捗状況"] == "計画通りに進んでいない" and child["課題"] == "協力者との情報交換が足りない。"
    # 山田's later edits of the same record stay
    assert next(r for r in rec["報告"] if r["主管課"] == "指導室") == \
        next(r for r in before["報告"] if r["主管課"] == "指導室")
    # a new commit by the coordinator, with the reason; history keeps both
    log = git(coord, "log", "--format=%H%x1f%an%x1f%B%x1e", "-2").split("\x1e")
    sha, author, body = log[0].strip().split("\x1f")
    assert author == COORDINATOR[0]
    assert "理由: 課題の削除は課内で確認中のため" in body and commits["s1"] in body
    assert log[1].strip().split("\x1f")[0] == commits["s2"]
    assert git(coord, "status", "--porcelain").strip() == ""
    # the review now shows the staff change and its revert
    assert main(["review", "--json", "--repo", str(coord)]) == 0
    import json
    items = [(i["項目"], i["変更前"], i["変更後"], i["変更者"]) for i in json.loads(capsys.readouterr().out)
             if i["主管課"] == "児童青少年課"]
    assert ("課題", "協力者との情報交換が足りない。", None, "佐藤 一郎") in items
    assert ("課題", None, "協力者との情報交換が足りない。", COORDINATOR[0]) in items


def test_revert_refuses_when_a_later_commit_changed_the_same_field(office, capsys):
    _c, coord, _y, _s, commits = office
    head = git(coord, "rev-parse", "HEAD")
    capsys.readouterr()
    assert main(["review", "--revert", commits["y1"], "--note", "誤り", "--repo", str(coord)]) == 1
    err = capsys.readouterr().err
    assert f"{commits['y1'][:7]} のあとに同じ項目が変更されているため、取り消せません: R2 No 5 指導室 実績" in err
    assert git(coord, "rev-parse", "HEAD") == head and git(coord, "status", "--porcelain").strip() == ""
    assert main(["review", "--revert", commits["s2"], "--repo", str(coord)]) == 2
    assert "取り消しには理由が必要です" in capsys.readouterr().err


def test_word_diff_marks_only_the_edited_phrase():
    pieces = diffwords.diff(LONG_BEFORE, LONG_AFTER)
    changed = [(p.op, p.text) for p in pieces if p.op != diffwords.EQUAL]
    assert (diffwords.INSERT, "の事業者") in changed
    assert sum(len(t) for _o, t in changed) < 20
    assert "".join(p.text for p in pieces if p.op != diffwords.INSERT) == LONG_BEFORE
    assert "".join(p.text for p in pieces if p.op != diffwords.DELETE) == LONG_AFTER
    assert diffwords.runs("NPO法人「ビスグラ」と3回") == ["NPO", "法人", "「", "ビスグラ", "」", "と", "3", "回"]


def test_first_review_starts_after_the_repository_was_created(tmp_path, capsys):
    """Without a reviewed/ tag the import that created the repository is the baseline, not
    hundreds of (空欄) → … changes."""
    repo = records_repo(tmp_path / "records", wired=False)
    commit_all(repo, "記録リポジトリを作成", who=COORDINATOR)
    root = git(repo, "rev-parse", "--short=7", "HEAD").strip()
    assert main(["review", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.startswith(
        f"確認済みの印（reviewed/…）がまだないため、記録リポジトリの作成（{root}）以降の変更: 0件")
    change_at = "2025-05-01T09:00:00+09:00"
    edit_report(repo, "R2", 5, "指導室", 備考="追記")
    git(repo, "commit", "-q", "-am", "R2 No.5 指導室: 備考 を更新", who=YAMADA, when=change_at)
    assert main(["review", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "以降の変更: 1件（コミット 1件、1人）" in out and "（空欄） → 追記" in out
    # --since a commit names the commit once, and not as an approval
    assert main(["review", "--since", root, "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.startswith(f"{root} 以降の変更: 1件")


def test_revert_is_sent_and_approval_waits_for_unsent_commits(office, capsys):
    central, coord, _y, _s, commits = office
    capsys.readouterr()
    assert main(["review", "--revert", commits["s2"][:7], "--note", "誤記", "--repo", str(coord)]) == 0
    assert "中央のリポジトリへ送りました" in capsys.readouterr().out
    assert git(central, "rev-parse", "main") == git(coord, "rev-parse", "HEAD")
    # a commit made here but not sent: the approval would mark a commit the others never get
    edit_report(coord, "R2", 5, "指導室", 備考="未送信")
    git(coord, "commit", "-q", "-am", "未送信", who=COORDINATOR)
    assert main(["review", "--approve", "--repo", str(coord)]) == 1
    assert "まだ送っていないコミットが1件あります。shinchoku sync で送ってから" in capsys.readouterr().err
    assert "reviewed/" not in git(coord, "tag", "--points-at", "HEAD")


def test_review_compares_the_central_repository_and_approval_waits_for_what_was_not_seen(office, capsys):
    """A coordinator who has not run sync saw 「変更はありません」 and could approve."""
    central, coord, yamada, _s, _c = office
    assert main(["review", "--approve", "--repo", str(coord)]) == 0
    capsys.readouterr()
    newer = change(yamada, YAMADA, "2025-05-20T10:00:00+09:00", "R2", 5, "指導室", 備考="追記した")
    # the coordinator's copy is behind; the review shows the central change anyway
    assert main(["review", "--repo", str(coord)]) == 0
    done = capsys.readouterr()
    central_head = git(central, "rev-parse", "main").strip()
    today = _dt.date.today().isoformat()
    assert f"中央のリポジトリ（origin/main、{central_head[:7]}）を、reviewed/{today}-2（" in done.out
    assert "から比べました" in done.out
    assert "以降の変更: 1件" in done.out and "変更はありません" not in done.out
    assert f"山田 花子  {local('2025-05-20T10:00:00+09:00')}  {newer[:7]}" in done.out
    assert "まだ取り込んでいない中央のコミットが1件あります" in done.err
    # approving now would mark what this PC has not got: refused, no tag anywhere
    tags = git(central, "for-each-ref", "refs/tags")
    assert main(["review", "--approve", "--repo", str(coord)]) == 1
    assert "まだ取り込んでいないものが1件あります" in capsys.readouterr().err
    assert git(central, "for-each-ref", "refs/tags") == tags
    assert f"reviewed/{today}-3" not in git(coord, "tag", "--list")
    # after sync it goes through, and says what it compared
    git(coord, "pull", "-q")
    assert main(["review", "--approve", "--repo", str(coord)]) == 0
    out = capsys.readouterr().out
    assert f"中央のリポジトリ（origin/main、{central_head[:7]}）を、reviewed/{today}-2（" in out
    assert f"確認済みの印 reviewed/{today}-3 を付けました（変更 1件）" in out


def test_review_without_a_reachable_central_says_it_shows_this_pc(office, capsys):
    _central, coord, _y, _s, _c = office
    git(coord, "remote", "set-url", "origin", str(coord.parent / "gone.git"))
    capsys.readouterr()
    assert main(["review", "--repo", str(coord)]) == 0
    done = capsys.readouterr()
    head = git(coord, "rev-parse", "--short=7", "HEAD").strip()
    assert f"この PC の記録（main、{head}）（中央のリポジトリに接続できなかったため）を、" in done.out
    assert main(["review", "--approve", "--repo", str(coord)]) == 1
    assert "中央のリポジトリに接続できないため、承認できません" in capsys.readouterr().err


@pytest.mark.parametrize("since, why", [("2025-13-01", "13月はありません"), ("2025-02-30", "2025年2月30日はありません"),
                                        ("2025-04-01 25:00", "時刻が正しくありません")])
def test_review_since_an_impossible_date_is_a_usage_error(office, capsys, since, why):
    _c, coord, _y, _s, _c2 = office
    capsys.readouterr()
    assert main(["review", "--since", since, "--repo", str(coord)]) == 2
    err = capsys.readouterr().err
    assert f"--since 「{since}」は日付として正しくありません（{why}）" in err


def test_the_revert_reason_shows_in_review_and_history(office, capsys):
    _c, coord, _y, _s, commits = office
    reason = "課題の削除は課内で確認中のため"
    assert main(["review", "--revert", commits["s1"][:7], "--note", reason, "--repo", str(coord)]) == 0
    capsys.readouterr()
    assert main(["review", "--repo", str(coord)]) == 0
    out = capsys.readouterr().out
    block = out.split("■ 児童青少年課")[1]
    revert_line = next(ln for ln in block.splitlines() if ln.startswith(f"    R2 課題 ─ {COORDINATOR[0]}"))
    after = block.split(revert_line)[1].splitlines()
    assert after[1] == f"      取り消しの理由: {reason}"
    assert main(["review", "--json", "--repo", str(coord)]) == 0
    import json
    items = json.loads(capsys.readouterr().out)
    assert any(i["変更者"] == COORDINATOR[0] and i["コミットの説明"].endswith(f"（理由: {reason}）") for i in items)
    assert main(["history", "5", "R2", "課題", "--repo", str(coord)]) == 0
    out = capsys.readouterr().out
    first = out.split("\n\n")[1]                                  # newest first: the revert
    assert COORDINATOR[0] in first and f"  理由:   {reason}" in first
    assert main(["history", "5", "R2", "課題", "--json", "--repo", str(coord)]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[0]["reason"] == reason and "reason" not in entries[1]
