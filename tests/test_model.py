"""The one model of a record and a field (shinchoku.model.fields) and the report's shape
compiled from the schema (shinchoku.model.schema.shape)."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import PROJECT, small_records
from hypothesis import given
from hypothesis import strategies as st

from shinchoku.model import fields, schema
from shinchoku.model.fields import FieldChange, FieldRef, Record

names = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="[].:\n\t\x85"),
                min_size=1, max_size=12)   # as department and field names are: no spaces, brackets or colons


@given(year=st.sampled_from(["H29", "H30", "R1", "R2", "R12"]), no=st.integers(1, 9999), department=names,
       field=names)
def test_a_field_named_in_a_problem_line_is_found_again(year, no, department, field):
    ref = FieldRef(year, no, department, field)
    assert FieldRef.at(ref.relpath, ref.path) == ref
    # the checker names a report's field as the ref does, whichever report it is
    from shinchoku.rules.validate import field_name

    doc = {"No": no, "年度": year, "報告": [{"主管課": "他の課"}, {"主管課": department, field: "x"}]}
    assert field_name(("報告", 1, field), doc) == ref.path


@pytest.mark.parametrize("relpath, path", [
    ("records/plan.yaml", "報告[指導室].実績"),
    ("records/R2/05.yaml", "No"),
    ("records/R2/05.yaml", "報告[指導室]"),
    ("records/R2/05.yaml", "報告[指導室].提出状況.状態"),
    ("records/R2/05.yaml", "報告[].実績"),
    ("schema/record.schema.json", "報告[指導室].実績"),
])
def test_anything_but_a_report_field_names_no_field(relpath, path):
    assert FieldRef.at(relpath, path) is None


def test_a_ref_reads_as_the_sheet_and_the_checker_name_it():
    ref = FieldRef("R2", 5, "児童青少年課", "課題")
    assert ref.relpath == "records/R2/05.yaml" and ref.path == "報告[児童青少年課].課題"
    assert ref.label() == "R2 No.5 児童青少年課 課題" and ref.record == ("R2", 5)


def test_a_record_gives_its_reports_by_department_and_keeps_plan_order():
    rec = Record({"No": 5, "年度": "R2", "報告": [{"主管課": "児童青少年課", "課題": "少ない"}]})
    assert rec.key == ("R2", 5) and rec.departments() == ["児童青少年課"]
    assert rec.value("児童青少年課", "課題") == "少ない" and rec.value("指導室", "課題") is None
    rec.set("指導室", "実績", "授業を実施した。", order=["指導室", "児童青少年課"])
    assert rec.departments() == ["指導室", "児童青少年課"]          # the plan's order, not the order of adding
    rec.set("児童青少年課", "課題", "")                                # emptied: the field is left out
    assert rec.report("児童青少年課") == {"主管課": "児童青少年課"}
    assert rec.reports() == {"指導室": {"主管課": "指導室", "実績": "授業を実施した。"},
                             "児童青少年課": {"主管課": "児童青少年課"}}


def test_a_record_that_is_not_one_has_no_key_and_no_reports():
    for data in (None, [], {"No": True, "年度": "R2"}, {"No": 5, "年度": 2, "報告": "x"}):
        rec = Record(data)
        assert rec.key is None and rec.reports() == {} and rec.value("指導室", "実績") is None


def test_changes_between_two_versions_name_each_field_once():
    old, new = small_records()[1], json.loads(json.dumps(small_records()[1]))
    new["報告"][1]["課題"] = "情報交換の場を設けた。"
    new["報告"][0].pop("実績")
    new["報告"].append({"主管課": "地域コミュニティ課", "備考": "追加"})
    found = fields.changes(old, new, schema.report_fields())
    assert found == [
        FieldChange(FieldRef("H30", 5, "指導室", "実績"), "授業を実施した。\n地域の人材と連携した。", None),
        FieldChange(FieldRef("H30", 5, "児童青少年課", "課題"), "協力者との情報交換が足りない。", "情報交換の場を設けた。"),
        FieldChange(FieldRef("H30", 5, "地域コミュニティ課", "備考"), None, "追加"),
    ]
    assert fields.changes(old, old) == []
    removed = fields.changes(old, None)
    assert {c.after for c in removed} == {None} and len(removed) == 5      # 2 + 3 non-empty fields


def test_the_shape_comes_from_the_schema():
    shape = schema.shape()
    whole = json.loads((PROJECT / "schema" / "record.schema.json").read_text(encoding="utf-8"))
    props = whole["$defs"]["報告"]["properties"]
    assert [f.name for f in shape.fields] == list(props)
    assert shape.sheet_fields[0] == fields.DEPARTMENT
    assert shape.statuses == tuple(props[shape.status]["enum"])
    assert shape.behind == props[shape.status]["x-behind-plan"] and shape.behind in shape.statuses
    assert shape.cycle_fields == tuple(k for k, v in props.items() if v.get("x-cycle"))
    assert shape.title("実績") == props["実績"]["title"]
    assert set(shape.text_fields) == {k for k in shape.reported if "enum" not in props[k]}


def test_a_repository_schema_without_our_annotations_takes_them_from_the_bundled_one(tmp_path):
    folder = tmp_path / "schema"
    shutil.copytree(PROJECT / "schema", folder)
    text = (folder / "record.schema.json").read_text(encoding="utf-8")
    data = json.loads(text)
    for node in data["$defs"]["報告"]["properties"].values():
        node.pop("x-cycle", None)
        node.pop("x-behind-plan", None)
    data["$defs"]["報告"]["properties"]["実績"]["title"] = "今年度の実績"      # the repository's own label stays
    (folder / "record.schema.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "records").mkdir()
    shape = schema.shape(tmp_path)
    assert shape.cycle_fields == schema.shape().cycle_fields and shape.behind == schema.shape().behind
    assert shape.title("実績") == "今年度の実績"


def test_a_behind_plan_value_that_is_not_a_choice_is_refused(tmp_path):
    folder = tmp_path / "schema"
    shutil.copytree(PROJECT / "schema", folder)
    data = json.loads((folder / "record.schema.json").read_text(encoding="utf-8"))
    data["$defs"]["報告"]["properties"]["進捗状況"]["x-behind-plan"] = "遅れている"
    (folder / "record.schema.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(schema.SchemaMismatch, match="遅れている"):
        schema.shape(tmp_path)


@given(department=names, field=names, line=st.integers(0, 5000),
       message=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip))
def test_a_problem_line_from_the_central_repository_is_read_back_onto_its_field(department, field, line, message):
    from shinchoku.rules.validate import Problem

    message = message.strip()
    ref = FieldRef("R2", 5, department, field)
    problem = Problem(ref.relpath, line, ref.path, message)
    back = Problem.parse(f"  {problem}")
    assert back == problem and back.ref == ref


def test_lines_that_are_no_problem_are_not_read_as_one():
    from shinchoku.rules.validate import Problem

    for line in ("remote: 受け付けませんでした", "To /srv/central.git", "", "! [remote rejected] main -> main"):
        assert Problem.parse(line) is None


# Values as documents hold them, with the keys of the record and plan schemas mixed in
# (in any order, with unknown ones) so that the schema order has something to do.
_keys = st.sampled_from(["No", "年度", "報告", "主管課", "進捗状況", "実績", "課題", "提出状況", "状態", "コメント",
                         "日時", "本文", "計画名", "推進方策", "目標", "施策", "番号", "名称", "事業内容", "計画",
                         "感想", "x"])
_documents = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=6),
                          max_leaves=25)


@given(data=_documents, kind=st.sampled_from([schema.RECORD, schema.PLAN]))
def test_the_compiled_canonical_order_is_the_reference_order(data, kind):
    whole = schema.load(kind)
    got, want = schema.canonical(data, kind), schema.ordered(data, whole, whole)
    assert got == want
    assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)      # the key order too


def test_the_bundled_records_are_in_the_reference_order():
    from shinchoku.model import records, yamlio

    for path in [PROJECT / "records" / "plan.yaml", *records.iter_record_files(PROJECT)]:
        kind = schema.PLAN if path.name == "plan.yaml" else schema.RECORD
        data = yamlio.load(path.read_bytes())
        whole = schema.load(kind)
        assert json.dumps(schema.canonical(data, kind), ensure_ascii=False) == \
            json.dumps(schema.ordered(data, whole, whole), ensure_ascii=False)


@given(data=_documents, kind=st.sampled_from([schema.RECORD, schema.PLAN]))
def test_in_order_says_what_the_reference_order_would_do(data, kind):
    """The canonical check's shortcut: a document whose keys the reference order would
    move is not canonical; one it would leave alone is its own canonical form."""
    whole = schema.load(kind)
    untouched = json.dumps(schema.ordered(data, whole, whole), ensure_ascii=False) == json.dumps(data, ensure_ascii=False)
    assert schema.in_order(data, kind) == untouched


_field_values = st.one_of(st.just(""), st.none(), st.text(max_size=6), st.sampled_from(["計画通りに進んでいる", "0回"]))


@given(reports=st.lists(st.dictionaries(st.sampled_from(["主管課", "進捗状況", "実績", "課題", "備考", "感想"]),
                                        _field_values, min_size=1, max_size=5), min_size=1, max_size=3),
       key_first=st.booleans())
def test_the_canonical_check_agrees_with_writing_the_record_again(reports, key_first):
    """``records.is_canonical`` (in order, no empty field, the fast writer) against the
    reference: the text is what canonical form writes for what it holds."""
    from shinchoku.model import records, yamlio

    record = {"No": 5, "年度": "R2", "報告": reports} if key_first else {"報告": reports, "年度": "R2", "No": 5}
    text = yamlio.dump(record)                       # laid out as given: in order or not, empties kept
    loaded = yamlio.load(text)
    assert records.is_canonical(schema.RECORD, text, loaded) == (text == records.canonical_text(schema.RECORD, loaded))


def test_a_record_key_is_read_only_from_a_record_path_in_the_repository():
    from shinchoku.model import records

    assert records.record_key("records/R2/05.yaml") == ("R2", 5)
    assert records.record_key(records.record_relpath("H30", 123)) == ("H30", 123)
    for other in ("records/plan.yaml", "records/access.yaml", "records/R2/05.yml", "records/x/R2/05.yaml",
                  "R2/05.yaml", "other/R2/05.yaml", "records/R2/5.yaml", "records/R2/05.yaml/x", "records"):
        assert records.record_key(other) is None, other
        assert not records.is_record_path(other), other
