"""The files beside the records (contacts.yaml, import-overrides.yaml): one checker, one wording."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from shinchoku.rules import sidefiles, validate

OVERRIDES = """\
指定:
  - 行: 89
    列: 18
    No: 24
    年度: R1
    主管課: 協働推進課
    項目: 感想
  - 行: 0
    列: 18
    No: 24
    年度: R1
    主管課: 協働推進課
    項目: 課題
    追加: x
"""


def test_override_problems_stand_on_their_lines_in_the_files_own_words():
    problems = sidefiles.override_problems(OVERRIDES.encode("utf-8"))
    assert [(p.line, p.field) for p in problems] == [(7, "指定・1件目・項目"), (8, "指定・2件目・行"), (14, "指定・2件目・追加")]
    by_field = {p.field: p.message for p in problems}
    assert by_field["指定・1件目・項目"].startswith("「感想」は使えません（使える値: 進捗状況・実績")
    # everything else in the checker's own wording
    assert by_field["指定・2件目・行"] == "1以上にしてください（今は0）"
    assert by_field["指定・2件目・追加"].startswith("「追加」という項目はありません（使える項目：行・列")
    assert all(isinstance(p, validate.Problem) and p.path == sidefiles.OVERRIDES_RELPATH for p in problems)


def test_contacts_and_overrides_go_through_the_same_routine():
    bad = "調整担当: [kyodo@city]\n課:\n  指導室: [shido@city.example, 12]\n".encode("utf-8")
    problems = sidefiles.contact_problems(bad)
    assert [str(p) for p in problems] == [
        "records/contacts.yaml:1: 調整担当.0: 「kyodo@city」はメールアドレスとして読めません",
        "records/contacts.yaml:3: 課.指導室.1: 12 が数値などとして読まれています。文字列にするには引用符で囲んでください",
    ]
    assert sidefiles.contact_problems(b"[]\n")[0].message == "項目と値の対応表で書いてください（今は一覧（- で始まる行）です）"
    assert sidefiles.override_problems(b"[]\n")[0].message.startswith("取り込みの指定の形になっていません")
    assert validate.Checker().check(sidefiles.CONTACTS_RELPATH, bad) == problems


def test_check_lists_each_folder_once_and_reads_each_file_once(small_repo, monkeypatch):
    (small_repo / sidefiles.OVERRIDES_RELPATH).write_text("指定: []\n", encoding="utf-8")
    listed: Counter = Counter()
    read: Counter = Counter()
    scandir, read_bytes = os.scandir, Path.read_bytes

    def counting_scandir(path="."):
        listed[Path(path).resolve()] += 1
        return scandir(path)

    def counting_read(self):
        read[self.resolve()] += 1
        return read_bytes(self)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    monkeypatch.setattr(Path, "read_bytes", counting_read)
    problems, checked = validate.check_repository(small_repo)
    assert problems == []
    folders = {p for p in listed if (small_repo / "records") in (p, *p.parents)}
    assert folders and all(listed[p] == 1 for p in folders), listed
    files = [p for p in (small_repo / "records").rglob("*.yaml")]
    assert checked == len(files) and all(read[p.resolve()] == 1 for p in files), read


def test_a_value_typed_into_a_cell_is_judged_in_the_checkers_words():
    from shinchoku.model import records, schema

    shape = schema.shape()
    for field, text in ((shape.status, "計画通り"), ("実績", "あ" * 2001), ("実績", "授業\tを実施した。")):
        record = {"No": 5, "年度": "R2", "報告": [{"主管課": "指導室", field: text}]}
        found = validate.Checker().check("records/R2/05.yaml", records.dumps(record).encode("utf-8"))
        assert [p.message for p in found if p.ref and p.ref.field == field] == [validate.value_problem(shape.spec(field), text)]
    assert validate.value_problem(shape.spec("実績"), "授業を実施した。") is None
