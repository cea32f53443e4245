"""The git-backed store on real repositories: a bare central repo and staff clones wired
with `shinchoku install` (real pre-commit hook, real merge and diff drivers)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import SEED, edit_report, write_small_repo
from gitrepo import COORDINATOR as COORD
from gitrepo import SATO, YAMADA, git, run_git
from shinchoku.cli import main
from shinchoku.model import records
from shinchoku.model.fields import FieldChange, FieldRef
from shinchoku.sharing import history, sync
from shinchoku.store import GitError, Store, commit_message


def cell_edit(year: str, no: int, department: str, field: str, before: str | None, after: str | None) -> FieldChange:
    """One cell's edit as 送信 hands it to sync.publish: made against ``before``."""
    return FieldChange(FieldRef(year, no, department, field), before, after)


@pytest.fixture
def office(make_office, capsys):
    """(central, yamada's clone, sato's clone): the small repo pushed to a bare central repo."""
    o = make_office(hook=False, message="取り込み", staff={"yamada": YAMADA, "sato": SATO})
    capsys.readouterr()
    return o.central, o["yamada"], o["sato"]


def field(root_or_central: Path, year: str, no: int, dept: str, name: str, rev: str = "HEAD"):
    with Store(root_or_central) as s:
        rec = s.record_at(rev, year, no)
    return next(r for r in rec["報告"] if r["主管課"] == dept).get(name)


# -- pre-commit ---------------------------------------------------------------------------

def test_pre_commit_refuses_an_invalid_record_with_one_line_naming_file_line_and_field(office):
    _central, yamada, _sato = office
    head = git(yamada, "rev-parse", "HEAD")
    edit_report(yamada, "R2", 5, "児童青少年課", 進捗状況="計画通り")
    done = run_git(yamada, "commit", "-qam", "誤り", who=YAMADA, check=False)
    assert done.returncode != 0
    assert ("records/R2/05.yaml:10: 報告[児童青少年課].進捗状況: 「計画通り」は選べる値ではありません"
            in done.stderr), done.stderr
    assert "コミットを止めました: 1件のファイルで1件の問題" in done.stderr
    assert git(yamada, "rev-parse", "HEAD") == head


def test_pre_commit_checks_the_index_not_the_working_tree(office):
    _central, yamada, _sato = office
    edit_report(yamada, "R2", 5, "児童青少年課", 進捗状況="計画通り")
    git(yamada, "add", "records/R2/05.yaml")
    edit_report(yamada, "R2", 5, "児童青少年課", 進捗状況="計画通りに進んでいる")   # fixed on disk, not staged
    assert run_git(yamada, "commit", "-qm", "x", who=YAMADA, check=False).returncode != 0
    git(yamada, "add", "records/R2/05.yaml")
    assert run_git(yamada, "commit", "-qm", "x", who=YAMADA, check=False).returncode == 0


def test_pre_commit_requires_canonical_form_and_broken_yaml_gets_a_line(office):
    _central, yamada, _sato = office
    path = yamada / "records" / "R2" / "01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("'No': 1\n", "'No':    1\n"), encoding="utf-8")
    done = run_git(yamada, "commit", "-qam", "x", who=YAMADA, check=False)
    assert done.returncode != 0 and "records/R2/01.yaml:1: 決められた書式になっていません" in done.stderr
    path.write_text("No: 1\n年度: R2\n報告: [\n", encoding="utf-8")
    done = run_git(yamada, "commit", "-qam", "x", who=YAMADA, check=False)
    assert done.returncode != 0 and "records/R2/01.yaml:" in done.stderr and "YAMLの書き方に誤りがあります" in done.stderr
    assert "Traceback" not in done.stderr


# -- publish (the add-in's push path) -----------------------------------------------------

def test_two_staff_edit_different_fields_of_one_record_and_both_land(office):
    central, yamada, sato = office
    with Store(yamada) as s:
        r1 = sync.publish(s, [cell_edit("R2", 5, "指導室", "課題", None, "人材が足りない。")], YAMADA)
    with Store(sato) as s:   # sato pulled before yamada pushed: his base is the import
        r2 = sync.publish(s, [cell_edit("R2", 5, "児童青少年課", "実績", "イベントを実施した。", "イベントを2回実施した。")], SATO)
    assert r1.commit and r2.commit and not r2.conflicts
    assert field(central, "R2", 5, "指導室", "課題") == "人材が足りない。"
    assert field(central, "R2", 5, "児童青少年課", "実績") == "イベントを2回実施した。"
    log = git(central, "log", "--format=%an|%s", "main").splitlines()
    assert log[:2] == ["佐藤 一郎|R2 No.5 児童青少年課: 実績 を更新", "山田 花子|R2 No.5 指導室: 課題 を更新"]
    with Store(sato) as s:
        assert [(c.author, c.after) for c in history.field_history(s, "R2", 5, "課題", "指導室")] == \
            [("山田 花子", "人材が足りない。")]
        assert history.field_history(s, "R2", 5, "実績", "児童青少年課")[0].author == "佐藤 一郎"


def test_the_same_field_two_ways_is_a_conflict_and_nothing_is_lost(office):
    central, yamada, sato = office
    with Store(yamada) as s:
        sync.publish(s, [cell_edit("R2", 5, "児童青少年課", "課題", "協力者との情報交換が足りない。", "情報交換の場が少ない。")], YAMADA)
    central_head = git(central, "rev-parse", "main")
    with Store(sato) as s:
        result = sync.publish(s, [
            cell_edit("R2", 5, "児童青少年課", "課題", "協力者との情報交換が足りない。", "連絡会を月1回にする。"),
            cell_edit("R2", 1, "協働推進課", "備考", None, "追記"),
        ], SATO)
        assert [e.field for e in result.sent] == ["備考"]
        [c] = result.conflicts
        assert (c.edit.after, c.theirs, c.author) == ("連絡会を月1回にする。", "情報交換の場が少ない。", "山田 花子")
        assert c.commit == central_head.strip() and c.when is not None
    # the central value stays yamada's; sato's other edit landed; sato's text is in the conflict
    assert field(central, "R2", 5, "児童青少年課", "課題") == "情報交換の場が少ない。"
    assert field(central, "R2", 1, "協働推進課", "備考") == "追記"


def test_a_conflict_alone_sends_nothing_and_leaves_central_unchanged(office):
    central, yamada, sato = office
    with Store(yamada) as s:
        sync.publish(s, [cell_edit("R2", 9, "協働推進課", "備考", "0回", "1回")], YAMADA)
    before = git(central, "rev-parse", "main")
    with Store(sato) as s:
        result = sync.publish(s, [cell_edit("R2", 9, "協働推進課", "備考", "0回", "2回")], SATO)
    assert result.commit is None and len(result.conflicts) == 1 and not result.sent
    assert git(central, "rev-parse", "main") == before
    assert git(sato, "rev-parse", "HEAD") == before                  # the clone stands on the central head
    assert git(sato, "status", "--porcelain") == ""


def test_publish_applies_again_when_the_central_repo_moves_meanwhile(office):
    central, yamada, sato = office
    raced = []

    def race(message: str) -> None:
        if "送っています" in message and not raced:
            raced.append(1)                                          # yamada pushes first, right now
            with Store(yamada) as y:
                sync.publish(y, [cell_edit("R2", 5, "指導室", "備考", None, "先に送った")], YAMADA)

    with Store(sato) as s:
        result = sync.publish(s, [cell_edit("R2", 5, "児童青少年課", "備考", None, "あとから送った")], SATO,
                              progress=race)
    assert raced and result.commit
    assert field(central, "R2", 5, "指導室", "備考") == "先に送った"
    assert field(central, "R2", 5, "児童青少年課", "備考") == "あとから送った"
    assert git(central, "rev-list", "--count", "main").strip() == "3"        # linear: import, yamada, sato
    # the lost race was applied again and sent: nothing is left over as "unsent"
    assert git(sato, "for-each-ref", "refs/shinchoku/unsent/") == ""


def test_a_push_refused_by_the_server_keeps_the_commit_and_resets_the_clone(office):
    central, _yamada, sato = office
    hook = central / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'records/R2/05.yaml: この年度は締め切られています' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = git(central, "rev-parse", "main")
    with Store(sato) as s, pytest.raises(GitError) as err:
        sync.publish(s, [cell_edit("R2", 5, "児童青少年課", "備考", None, "送れない")], SATO)
    assert err.value.message == "中央のリポジトリが受け付けませんでした"
    assert "この年度は締め切られています" in err.value.detail
    assert git(central, "rev-parse", "main") == before
    assert git(sato, "rev-parse", "HEAD") == before and git(sato, "status", "--porcelain") == ""
    unsent = git(sato, "for-each-ref", "--format=%(objectname)", "refs/shinchoku/unsent/").split()
    assert len(unsent) == 1
    assert "送れない" in git(sato, "show", f"{unsent[0]}:records/R2/05.yaml")


def test_an_invalid_value_is_rejected_before_anything_is_committed(office):
    central, _yamada, sato = office
    before = git(sato, "rev-parse", "HEAD")
    with Store(sato) as s, pytest.raises(sync.Rejected) as err:
        sync.publish(s, [cell_edit("R2", 5, "児童青少年課", "進捗状況", "計画通りに進んでいない", "順調")], SATO)
    assert "「順調」は選べる値ではありません" in str(err.value)
    assert git(sato, "rev-parse", "HEAD") == before == git(central, "rev-parse", "main")


def test_a_held_git_lock_is_explained_and_nothing_changes(office):
    _central, _yamada, sato = office
    (sato / ".git" / "index.lock").write_text("", encoding="utf-8")
    before = git(sato, "rev-parse", "HEAD")
    with Store(sato) as s, pytest.raises(GitError) as err:
        sync.publish(s, [cell_edit("R2", 5, "児童青少年課", "備考", None, "x")], SATO)
    assert "別の git の操作が実行中" in err.value.message
    (sato / ".git" / "index.lock").unlink()
    assert git(sato, "rev-parse", "HEAD") == before
    assert git(sato, "status", "--porcelain") == ""          # the file git could not take is put back
    with Store(sato) as s:                                    # so the next attempt goes ahead
        assert sync.publish(s, [cell_edit("R2", 5, "児童青少年課", "備考", None, "x")], SATO).commit


# -- sync (commits made in the clone) and the merge driver ---------------------------------

def test_sync_merges_other_departments_edits_of_the_same_record(office, capsys):
    central, yamada, sato = office
    edit_report(yamada, "R2", 5, "指導室", 課題="山田の課題")
    git(yamada, "commit", "-qam", "指導室の課題", who=YAMADA)
    assert main(["sync", "--repo", str(yamada)]) == 0
    edit_report(sato, "R2", 5, "児童青少年課", 課題="佐藤の課題")
    git(sato, "commit", "-qam", "児童青少年課の課題", who=SATO)
    assert main(["sync", "--repo", str(sato)]) == 0
    assert "中央から1件のコミットを取り込み、1件を送りました" in capsys.readouterr().out
    assert field(central, "R2", 5, "指導室", "課題") == "山田の課題"
    assert field(central, "R2", 5, "児童青少年課", "課題") == "佐藤の課題"
    with Store(central) as s:       # the merge is nobody's edit of these fields
        assert [c.author for c in history.field_history(s, "R2", 5, "課題", "指導室")] == ["山田 花子"]
        assert [c.author for c in history.field_history(s, "R2", 5, "課題", "児童青少年課")][0] == "佐藤 一郎"


def test_sync_stops_on_the_same_field_and_leaves_everything_as_it_was(office, capsys):
    central, yamada, sato = office
    edit_report(yamada, "R2", 1, "協働推進課", 課題="山田の案")
    git(yamada, "commit", "-qam", "a", who=YAMADA)
    assert main(["sync", "--repo", str(yamada)]) == 0
    edit_report(sato, "R2", 1, "協働推進課", 課題="佐藤の案")
    git(sato, "commit", "-qam", "b", who=SATO)
    head, central_head = git(sato, "rev-parse", "HEAD"), git(central, "rev-parse", "main")
    capsys.readouterr()
    assert main(["sync", "--repo", str(sato)]) == 1
    assert "同じ項目を変更しているため、取り込めませんでした（records/R2/01.yaml）" in capsys.readouterr().err
    assert git(sato, "rev-parse", "HEAD") == head and git(central, "rev-parse", "main") == central_head
    assert not (sato / ".git" / "MERGE_HEAD").exists() and git(sato, "status", "--porcelain") == ""
    # --keep-both merges and keeps both values inside the field, naming it; the hook refuses it as it is
    assert main(["sync", "--keep-both", "--repo", str(sato)]) == 1
    said = capsys.readouterr()
    assert said.out.startswith("records/R2/01.yaml:") and "報告[協働推進課].課題: 競合が解決されていません" in said.out
    assert "どちらかの値に直し、印の行も消してから git commit -a で記録し" in said.err
    assert (sato / ".git" / "MERGE_HEAD").exists() and git(central, "rev-parse", "main") == central_head
    text = (sato / "records" / "R2" / "01.yaml").read_text(encoding="utf-8")
    assert "<<<<<<< 自分の変更\n      佐藤の案\n      =======\n      山田の案\n      >>>>>>> 相手の変更" in text
    done = run_git(sato, "commit", "-qam", "merge", who=SATO, check=False)
    assert done.returncode != 0 and "競合が解決されていません" in done.stderr
    # choose one value, commit, sync: it lands, and both edits stay in history
    edit_report(sato, "R2", 1, "協働推進課", 課題="佐藤の案（山田の案を反映）")
    git(sato, "commit", "-qam", "競合を解決", who=SATO)
    assert main(["sync", "--repo", str(sato)]) == 0
    assert field(central, "R2", 1, "協働推進課", "課題") == "佐藤の案（山田の案を反映）"
    with Store(central) as s:
        assert [c.after for c in history.field_history(s, "R2", 1, "課題", "協働推進課")][:3] == \
            ["佐藤の案（山田の案を反映）", "佐藤の案", "山田の案"]


# -- history, blame, textconv, commit messages ----------------------------------------------

def test_history_and_blame_commands(office, capsys):
    _central, yamada, sato = office
    for text in ("一回目", "二回目"):
        with Store(yamada) as s:
            sync.publish(s, [cell_edit("R2", 5, "指導室", "課題", None if text == "一回目" else "一回目", text)], YAMADA)
    with Store(sato) as s:
        sync.publish(s, [cell_edit("R2", 5, "指導室", "課題", "二回目", "三回目")], SATO)
    capsys.readouterr()
    assert main(["history", "5", "R2", "課題", "--department", "指導室", "--repo", str(sato)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("R2 No.5 課題（指導室）の変更: 3件（新しい順）")
    assert text.index("佐藤 一郎") < text.index("山田 花子")
    assert "  変更前: 二回目\n  変更後: 三回目\n" in text and "  変更前: （空欄）\n  変更後: 一回目\n" in text
    import json
    assert main(["history", "R2", "5", "課題", "--json", "--repo", str(sato)]) == 0       # either order
    items = json.loads(capsys.readouterr().out)
    assert [(i["author"], i["before"], i["after"]) for i in items] == [
        ("佐藤 一郎", "二回目", "三回目"), ("山田 花子", "一回目", "二回目"), ("山田 花子", None, "一回目"),
        ("協働推進課 調整担当", None, "協力者との情報交換が足りない。")]
    assert main(["history", "5", "R2", "感想", "--repo", str(sato)]) == 2
    assert "「感想」という項目はありません（選べる項目: 進捗状況・実績・課題・次年度へ向けた取組・備考）" in capsys.readouterr().err
    assert main(["blame", "R2", "5", "--json", "--repo", str(sato)]) == 0
    last = {(i["department"], i["field"]): i["author"] for i in json.loads(capsys.readouterr().out)}
    assert last[("指導室", "課題")] == "佐藤 一郎" and last[("指導室", "実績")] == "協働推進課 調整担当"


def test_git_log_p_shows_field_level_changes(office):
    _central, yamada, _sato = office
    edit_report(yamada, "R2", 5, "児童青少年課", 課題="新しい課題")
    git(yamada, "commit", "-qam", "x", who=YAMADA)
    diff = git(yamada, "log", "-p", "-1", "--", "records/")
    assert "-報告[児童青少年課].課題: 協力者との情報交換が足りない。" in diff
    assert "+報告[児童青少年課].課題: 新しい課題" in diff
    assert "+    課題:" not in diff                                    # not raw YAML


def test_commit_messages_say_what_changed():
    old = {"No": 5, "年度": "R2", "報告": [{"主管課": "児童青少年課", "実績": "a", "課題": "b"}]}
    new = {"No": 5, "年度": "R2", "報告": [{"主管課": "児童青少年課", "実績": "A", "課題": "B"}]}
    assert commit_message([("R2", 5, old, new)]) == "R2 No.5 児童青少年課: 実績, 課題 を更新\n"
    two = commit_message([("R2", 5, old, new), ("R1", 9, None, new)], "課長確認済み")
    assert two.startswith("R2 No.5 児童青少年課: 実績, 課題 を更新 ほか1件\n\n")
    assert "R1 No.9 児童青少年課: 実績, 課題 を更新" in two and two.endswith("\n\n課長確認済み\n")


def test_a_commit_message_names_every_record_whatever_fields_the_first_changed():
    only_results = ({"No": 5, "年度": "R2", "報告": [{"主管課": "指導室", "実績": "a"}]},
                    {"No": 5, "年度": "R2", "報告": [{"主管課": "指導室", "実績": "A"}]})
    only_issues = ({"No": 9, "年度": "R2", "報告": [{"主管課": "産業振興課", "課題": "b"}]},
                   {"No": 9, "年度": "R2", "報告": [{"主管課": "産業振興課", "課題": "B"}]})
    said = commit_message([("R2", 5, *only_results), ("R2", 9, *only_issues)])
    assert said == "R2 No.5 指導室: 実績 を更新 ほか1件\n\nR2 No.5 指導室: 実績 を更新\nR2 No.9 産業振興課: 課題 を更新\n"


def test_init_from_the_real_sheet_and_history_answers_with_the_import_commit(tmp_path, capsys):
    run_git(tmp_path, "config", "--global", "--get", "user.name", check=False)
    repo = tmp_path / "records-repo"
    env_backup = {k: os.environ.get(k) for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")}
    os.environ.update(COORD.env())
    os.environ["GIT_CONFIG_GLOBAL"] = str(tmp_path / "gitconfig")
    (tmp_path / "gitconfig").write_text(f"[user]\n\tname = {COORD.name}\n\temail = {COORD.email}\n", encoding="utf-8")
    try:
        assert main(["init", str(repo), "--sheet", str(SEED), "--coordinator", "kyodo"]) == 0
    finally:
        os.environ.pop("GIT_CONFIG_GLOBAL")
        for k, v in env_backup.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    said = capsys.readouterr().out
    assert "最初のコミットをしました" in said
    # what comes next: the real user names, the open year's records, the push
    assert "records/access.yaml には、調整担当として kyodo だけを書きました" in said
    assert "records/access.yaml の「担当」" in said
    assert "受付中のR3年度の記録を作ります: shinchoku year open R3" in said
    assert "git push -u origin main" in said and "README" not in said
    for part in ("schema/record.schema.json", "hooks/pre-commit", ".gitattributes", "records/plan.yaml"):
        assert (repo / part).is_file(), part
    assert git(repo, "config", "core.hooksPath").strip() == "hooks"
    with Store(repo) as s:
        import_commit = s.head()
        recs = s.read_records()
        assert len({no for _y, no in recs}) == 35
        blamed = history.blame(s, "R2")
        fields = {(r["No"], d["主管課"], f) for r in recs.values() if r["年度"] == "R2"
                  for d in r["報告"] for f in d if f != "主管課"}
        assert len(blamed) == len(fields) > 50
        assert {c.commit.sha for c in blamed} == {import_commit}
        assert [c.commit.sha for c in history.field_history(s, "R2", 5, "実績")] == [import_commit] * 2


def test_field_lines_read_without_a_parser_equal_the_parsed_values():
    """history compares a field's own lines and parses only those: on every real record
    and field (multi-line texts, quoted values, ':' inside text) it reads what YAML reads."""
    from shinchoku.model import fieldspans, schema
    from shinchoku.model.fields import Record

    fields = [f for f in schema.report_fields() if f != "主管課"]
    root = Path(__file__).parents[1]
    compared = 0
    for path in records.iter_record_files(root):
        raw = path.read_bytes()
        parsed = Record(records.load_record(path)).reports()
        for name in fields:
            spans = fieldspans.field_spans(raw, name)
            assert spans is not None, path
            got = {d: fieldspans.decode(s, name) for d, s in spans.items()}
            want = {d: str(r[name]) for d, r in parsed.items() if r.get(name) not in (None, "")}
            assert got == want, (path, name)
            compared += len(want)
    assert compared > 400
    tricky = records.dumps({"No": 1, "年度": "R2", "報告": [
        {"主管課": "協働推進課", "課題": "期限: 3月末 #重要", "備考": "yes", "実績": "'引用' と ''二重'': 済"},
        {"主管課": "広報課", "実績": "1行目\n  字下げした2行目\n", "備考": " 前後に空白 "}]}).encode()
    spans = fieldspans.field_spans(tricky, "備考")
    assert {d: fieldspans.decode(s, "備考") for d, s in spans.items()} == {"協働推進課": "yes", "広報課": " 前後に空白 "}
    assert fieldspans.decode(fieldspans.field_spans(tricky, "課題")["協働推進課"], "課題") == "期限: 3月末 #重要"
    assert fieldspans.decode(fieldspans.field_spans(tricky, "実績")["協働推進課"], "実績") == "'引用' と ''二重'': 済"
    assert fieldspans.decode(fieldspans.field_spans(tricky, "実績")["広報課"], "実績") == "1行目\n  字下げした2行目\n"
    assert fieldspans.field_spans(b"No: 1\n\xe5\xb9\xb4\xe5\xba\xa6: R2\n\xe5\xa0\xb1\xe5\x91\x8a: [{a: 1}]\n", "備考") is None


def test_the_plan_is_parsed_once_per_content_and_a_bad_cache_is_ignored(tmp_path):
    from conftest import small_plan
    from shinchoku.model import plan as plan_mod

    raw = records.dumps_plan(small_plan()).encode("utf-8")
    plan_mod._MEMO.clear()
    first = plan_mod.load_cached(raw, tmp_path)
    [cached] = list(tmp_path.glob("plan-*.pickle"))
    assert first.by_no()[5].departments == ("指導室", "児童青少年課")
    plan_mod._MEMO.clear()
    cached.write_bytes(b"not a pickle")                       # damaged: parsed again, and rewritten
    assert plan_mod.load_cached(raw, tmp_path).data == first.data
    plan_mod._MEMO.clear()
    assert plan_mod.load_cached(raw, tmp_path).data == first.data
    changed = raw.replace("シンポジウムの開催".encode(), "シンポジウムの開催・運営".encode())
    assert plan_mod.load_cached(changed, tmp_path).by_no()[1].name == "市民協働推進シンポジウムの開催・運営"
    assert len(list(tmp_path.glob("plan-*.pickle"))) == 2
    with pytest.raises(Exception):
        plan_mod.load_cached(b"a: [", tmp_path)


def test_a_staff_clone_made_from_the_remote_is_wired_and_refuses_a_used_folder(office, tmp_path):
    from shinchoku.store import repo_setup

    central, _y, _s = office
    target = tmp_path / "新しいPC" / "records"
    said = repo_setup.clone(str(central), target)
    assert said[0] == f"中央のリポジトリを {target} に複製しました"
    assert git(target, "config", "core.hooksPath").strip() == "hooks"
    assert "merge-driver" in git(target, "config", "merge.shinchoku.driver")
    with Store(target) as s:
        assert s.read_records()[("R2", 5)]["No"] == 5
    with pytest.raises(GitError) as err:
        repo_setup.clone(str(central), target)
    assert "空のフォルダではない" in err.value.message
    with pytest.raises(GitError) as err:
        repo_setup.clone(str(tmp_path / "ない.git"), tmp_path / "empty")
    assert "複製できませんでした" in err.value.message and not (tmp_path / "empty").exists()


def test_blame_columns_line_up_with_long_names(office, capsys):
    """'協働推進課 調整担当' is wider than a fixed 12 columns: the commit subjects must still
    start in one column."""
    from shinchoku.model.textwidth import width
    _central, yamada, _sato = office
    with Store(yamada) as s:
        sync.publish(s, [cell_edit("R2", 5, "指導室", "課題", None, "一回目")], YAMADA)
    capsys.readouterr()
    assert main(["blame", "R2", "5", "--repo", str(yamada)]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = set()
    for line in lines:
        subject = "取り込み" if line.endswith("取り込み") else line.split("  ")[-1]
        starts.add(width(line[:line.rindex(subject)]))
    assert any("協働推進課 調整担当" in ln for ln in lines) and any("山田 花子" in ln for ln in lines)
    assert len(starts) == 1, lines


def test_init_without_a_git_name_says_how_to_make_the_first_commit(tmp_path, capsys, monkeypatch):
    for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "empty-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "records-repo"
    assert main(["init", str(repo), "--sheet", str(SEED), "--coordinator", "kyodo"]) == 0
    said = capsys.readouterr().out
    assert "最初のコミットはまだです（git の名前とメールアドレスが設定されていません）。" in said
    assert f"  cd {repo}\n" in said and '  git config user.name "氏名"\n' in said
    assert '  git add -A\n  git commit -m "記録リポジトリを作成"' in said


def test_sync_with_uncommitted_edits_says_to_commit_not_to_run_sync(office, capsys):
    _central, yamada, _sato = office
    edit_report(yamada, "R2", 5, "指導室", 課題="まだコミットしていない")
    capsys.readouterr()
    assert main(["sync", "--repo", str(yamada)]) == 1
    err = capsys.readouterr().err
    assert "まだコミットしていない変更があります（records/R2/05.yaml）" in err
    assert "git commit でコミットするか、git restore で元に戻してから、もう一度実行してください" in err
    assert "shinchoku sync で送るか" not in err


def test_history_of_an_initiative_or_department_the_plan_does_not_have_says_so(office, capsys):
    """'R2 No.99 課題の変更: 0件' read as 'nobody changed it'; the plan has no No 99."""
    _central, yamada, _sato = office
    capsys.readouterr()
    assert main(["history", "99", "R2", "課題", "--repo", str(yamada)]) == 1
    assert "No.99 の施策は計画（plan.yaml）にありません" in capsys.readouterr().err
    assert main(["history", "5", "R2", "課題", "--department", "指導課", "--repo", str(yamada)]) == 1
    assert "「指導課」は No.5 の主管課ではありません（主管課: 指導室・児童青少年課）" in capsys.readouterr().err


def test_install_warns_when_commits_would_carry_no_name(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "empty-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    repo = tmp_path / "clone"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    write_small_repo(repo)                  # install wants a records repository with a commit
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "記録", who=YAMADA)
    assert main(["install", "--repo", str(repo)]) == 0
    assert "注意: コミットに残す名前とメールアドレスがまだ設定されていません" in capsys.readouterr().out
    git(repo, "config", "user.name", YAMADA.name)
    git(repo, "config", "user.email", YAMADA.email)
    assert main(["install", "--repo", str(repo)]) == 0
    assert "注意" not in capsys.readouterr().out


def test_history_and_blame_step_over_a_commit_that_is_not_utf8(office, capsys):
    """A record committed with --no-verify with a garbled department name: history skips it."""
    _central, yamada, _sato = office
    path = yamada / "records/R2/05.yaml"
    good = path.read_bytes()
    path.write_bytes(good.replace("指導室".encode("utf-8"), "指導室".encode("cp932"), 1))
    git(yamada, "commit", "-qam", "garbled", "--no-verify", who=YAMADA)
    path.write_bytes(good)
    git(yamada, "commit", "-qam", "back", who=YAMADA)
    capsys.readouterr()
    for field in ("進捗状況", "実績", "課題"):
        assert main(["history", "5", "R2", field, "--repo", str(yamada)]) == 0
    assert main(["blame", "R2", "5", "--repo", str(yamada)]) == 0


def test_an_empty_history_says_when_the_record_or_report_is_not_there(office, capsys):
    _central, yamada, _sato = office
    capsys.readouterr()
    assert main(["history", "5", "R1", "課題", "--department", "指導室", "--repo", str(yamada)]) == 0
    assert "注意" not in capsys.readouterr().err                    # there, and never had a 課題
    (yamada / "records" / "R2" / "09.yaml").unlink()
    git(yamada, "commit", "-qam", "R2 No.9 を削除", who=COORD)
    assert main(["history", "9", "R2", "課題", "--repo", str(yamada)]) == 0
    assert "records/R2/09.yaml は今のリポジトリにありません" in capsys.readouterr().err
