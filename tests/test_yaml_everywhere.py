"""Records read the same everywhere: in shinchoku, in PyYAML's ``safe_load`` (a YAML 1.1
reader, like most editors and tools), and through the fast canonical-form check.

The key ``No`` reads as the boolean false in YAML 1.1, ``12:30`` as 750, ``0x1F`` as
31: canonical form quotes whatever a YAML 1.1 reader would not read as the text it is.
The fast check (:func:`shinchoku.model.yamlio.fast_dump`) must agree with PyYAML's writer
(:func:`shinchoku.model.yamlio.dump`, the reference) byte for byte.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shinchoku.model import records, schema, yamlio

PROJECT = Path(__file__).resolve().parents[1]
BUNDLED = [PROJECT / "records" / "plan.yaml", *records.iter_record_files(PROJECT)]


def _kind(path: Path) -> str:
    return schema.PLAN if path.name == "plan.yaml" else schema.RECORD


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.relative_to(PROJECT).as_posix())
def test_bundled_files_read_the_same_in_yaml_safe_load(path):
    raw = path.read_bytes()
    ours = yamlio.load(raw)
    theirs = yaml.safe_load(raw.decode("utf-8"))
    assert theirs == ours                 # the key No reads as "No" there too, not as False
    assert False not in (theirs if _kind(path) == schema.RECORD else theirs["推進方策"][0]["目標"][0]["施策"][0])


def test_bundled_files_are_canonical_and_the_fast_writer_agrees():
    assert len(BUNDLED) > 100
    for path in BUNDLED:
        raw = path.read_bytes()
        data = records.canonical_data(_kind(path), yamlio.load(raw))
        reference = yamlio.dump(data)
        assert raw.decode("utf-8") == reference, path         # `shinchoku fmt` was run
        assert yamlio.fast_dump(data) == reference, path       # no fallback, same bytes
        assert records.is_canonical(_kind(path), raw, yamlio.load(raw))


def test_the_old_unquoted_form_reads_the_same():
    new = "'No': 5\n年度: R2\n報告:\n  - 主管課: 指導室\n    実績: '12:30'\n"
    old = "No: 5\n年度: R2\n報告:\n  - 主管課: 指導室\n    実績: 12:30\n"
    assert yamlio.load(old) == yamlio.load(new) == {
        "No": 5, "年度": "R2", "報告": [{"主管課": "指導室", "実績": "12:30"}]}
    assert yaml.safe_load(new) == yamlio.load(new)
    # the old form is readable but not canonical: check --canonical / fmt put it right
    assert not records.is_canonical(schema.RECORD, old, yamlio.load(old))
    assert records.is_canonical(schema.RECORD, new, yamlio.load(new))


@pytest.mark.parametrize("text", ["No", "no", "Yes", "on", "OFF", "y", "~", "null", "", "12:30", "1:30:00",
                                  "0x1F", "0b101", "0o17", "017", "08", "1_000", "+5", "-0", "1e3", "1.5",
                                  ".nan", "-.inf", "2020-04-01", "2020-04-01 10:00:00", "<<", "=", "010"])
def test_yaml11_lookalikes_are_quoted_as_keys_and_values(text):
    data = {text: text, "k": [text]}
    dumped = yamlio.dump(data)
    assert yaml.safe_load(dumped) == data
    assert yamlio.load(dumped) == data
    assert yamlio.fast_dump(data) in (None, dumped)


def test_integers_stay_plain():
    assert yamlio.dump({"No": 5, "西暦": 2020, "x": -3}) == "'No': 5\n西暦: 2020\nx: -3\n"


# ----------------------------------------------------------------------------- properties

texts = st.text(max_size=60) | st.sampled_from(
    ["No", "yes", "12:30", "0x1F", "0b101", "1_000", "~", "2020-04-01", "1.5", "a\nb", "a\n", "a\n\n",
     " a", "a ", "- a", "a: b", "# c", "'q'", '"q"', "行1\n行2\n", "\n先頭", "末尾 \n次", "\t", "\r\n", "\x85",
     "\u2028", "\ufeff", "全角\u3000空白"])
keys = texts.filter(lambda k: True)
values = st.recursive(
    texts | st.integers(min_value=-10**12, max_value=10**12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20)
documents = st.dictionaries(keys, values, min_size=1, max_size=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_round_trips_and_reads_the_same_in_safe_load(data):
    dumped = yamlio.dump(data)
    assert yamlio.load(dumped) == data
    assert yaml.safe_load(dumped) == data
    assert yamlio.dump(yamlio.load(dumped)) == dumped                      # stable
    fast = yamlio.fast_dump(data)
    assert fast is None or fast == dumped                                  # never a different answer
    assert yamlio.is_canonical(dumped, data)


report_fields = schema.report_fields()
reports = st.fixed_dictionaries({"主管課": texts}, optional={f: texts for f in report_fields if f != "主管課"})
record_docs = st.builds(lambda no, year, rs: {"No": no, "年度": year, "報告": rs},
                        st.integers(min_value=1, max_value=9999), texts, st.lists(reports, max_size=3))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_docs)
def test_any_record_round_trips_and_the_fast_check_agrees(record):
    text = records.dumps(record)
    loaded = yamlio.load(text)
    cleaned = records.canonical_data(schema.RECORD, record)
    assert loaded == cleaned
    assert yaml.safe_load(text) == cleaned
    assert records.is_canonical(schema.RECORD, text, loaded)
    fast = yamlio.fast_dump(cleaned)
    assert fast is None or fast == text
    # a copy laid out otherwise (every value double-quoted) is not canonical, both ways
    other = yaml.dump(cleaned, allow_unicode=True, sort_keys=False, default_style='"')
    assert records.is_canonical(schema.RECORD, other, yamlio.load(other)) == (other == text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_in_any_field_round_trips(text):
    record = {"No": 1, "年度": "R2", "報告": [{"主管課": "課", "実績": text, "課題": text}]}
    dumped = records.dumps(record)
    want = records.canonical_data(schema.RECORD, record)
    assert yamlio.load(dumped) == want
    assert yaml.safe_load(dumped) == want


def test_fmt_writes_the_new_form_and_check_canonical_accepts_it(tmp_path):
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(PROJECT / "schema", repo / "schema")
    (repo / "records" / "R2").mkdir(parents=True)
    shutil.copy(PROJECT / "records" / "plan.yaml", repo / "records" / "plan.yaml")
    rec = repo / "records" / "R2" / "05.yaml"
    rec.write_text((PROJECT / "records" / "R2" / "05.yaml").read_text(encoding="utf-8").replace("'No': 5", "No: 5"),
                   encoding="utf-8")
    run = lambda *a: subprocess.run([sys.executable, "-m", "shinchoku", *a, "--repo", str(repo)],  # noqa: E731
                                    capture_output=True, text=True)
    done = run("check", "--canonical")
    assert done.returncode == 1 and "records/R2/05.yaml:1: 決められた書式になっていません" in done.stdout
    assert run("fmt").returncode == 0
    assert rec.read_text(encoding="utf-8").startswith("'No': 5\n")
    assert run("check", "--canonical").returncode == 0
