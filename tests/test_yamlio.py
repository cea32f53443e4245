"""Canonical YAML: text stays text, the same data gives the same bytes."""

from __future__ import annotations

import pytest
import yaml

from shinchoku.model import records, yamlio

TRICKY = [
    "0回", "yes", "No", "on", "1.10", "2020-04-01", "~", "null", "12:30", "0123", "+1", "1e3", ".inf",
    ": で始まる", "a\n: b\nc", " 前後の空白 ", "改行\nあり\n", "改行\n\n二重", "x\r\ny", "末尾空白 \n次",
    "\n先頭の改行", "  字下げ\nあり", "#コメント風", "- 箇条", "'引用'", '"二重"', "タブ\tあり", "長い" * 600,
    "a: b", "{x}", "[x]", "@at", "`bt", "%pct", "!bang", "&amp", "*star", "|pipe", ">gt", "?q", "=", "<<",
    "１２３", "\u3000全角空白\u3000", "改行\n末尾に改行2つ\n\n", "Excelのセル内改行\n2行目\n3行目",
]


@pytest.mark.parametrize("text", TRICKY)
def test_text_round_trips_exactly(text):
    record = {"No": 5, "年度": "R2", "報告": [{"主管課": "指導室", "実績": text}]}
    dumped = records.dumps(record)
    assert yamlio.load(dumped) == record
    assert records.dumps(yamlio.load(dumped)) == dumped  # stable: writing again gives the same bytes


def test_canonical_form_is_the_documented_one():
    record = {"報告": [{"備考": "b", "主管課": "指導室", "実績": "1行目\n2行目"}], "年度": "R2", "No": 5}
    assert records.dumps(record) == (
        "'No': 5\n年度: R2\n報告:\n  - 主管課: 指導室\n    実績: |-\n      1行目\n      2行目\n    備考: b\n"
    )


def test_other_yaml_readers_see_the_same_text():
    """Quoting also protects values from YAML 1.1 readers (PyYAML's default loader)."""
    for text in ["yes", "on", "1.10", "2020-04-01", "~", "null", "0123"]:
        dumped = records.dumps({"No": 1, "年度": "R2", "報告": [{"主管課": "課", "実績": text}]})
        assert yaml.safe_load(dumped)["報告"][0]["実績"] == text


def test_unquoted_values_load_as_text():
    data = yamlio.load("a: yes\nb: 2020-04-01\nc: 1.10\nd: ~\ne:\nf: 5\n")
    assert data == {"a": "yes", "b": "2020-04-01", "c": "1.10", "d": "~", "e": "", "f": 5}


@pytest.mark.parametrize("text, line, words", [
    ("a: 1\na: 2\n", 2, "2回"),
    ("a: !!python/object:os.system x\n", 1, "タグ"),
    ("a: [1, 2\nb: 3\n", 2, "YAMLの書き方"),
    ("a:\n  - x\n - y\n", 3, "YAMLの書き方"),
])
def test_broken_yaml_reports_a_line(text, line, words):
    with pytest.raises(yamlio.YamlError) as err:
        yamlio.load(text)
    assert err.value.line == line
    assert words in err.value.message


def test_non_utf8_is_reported():
    with pytest.raises(yamlio.YamlError) as err:
        yamlio.load("No: 1\n課題: あ\n".encode("cp932"))
    assert "UTF-8" in err.value.message and err.value.line == 2


def test_common_parser_errors_are_explained_in_japanese():
    import pytest

    from shinchoku.model import yamlio
    for text, expected in [
        ("No: 5\n年度: R2\n報告:\n  - 主管課: 指導室\n    実績: 授業を実施\nした。\n", "「:」が見つかりません"),
        ("No: 5\n年度: R2\n備考: 時間: 10時\n", "値を引用符で囲んでください"),
        ("No: 5\n年度: R2\n備考: \"閉じていない\n", "引用符か括弧が閉じられないまま"),
    ]:
        with pytest.raises(yamlio.YamlError) as err:
            yamlio.load(text)
        assert expected in err.value.message, err.value.message
        assert not any(w in err.value.message for w in ("expected", "found", "allowed")), err.value.message


@pytest.mark.parametrize("text, line, words", [
    # the parser's English becomes Japanese
    ("a: 1\n\tb: 2\n", 2, "タブ"),
    ("a:\n  - x\n - y\n", 3, "字下げ"),
    ("a: 1\n---\na: 2\n", 2, "1つの記録だけ"),
    # a control character: its line, not none
    ("あ: 1\nb: \x07\n", 2, "U+0007"),
    ("あ: 1\nb: 2\nc: x\x00\n", 3, "U+0000"),
    # git's own conflict markers left in the file
    ("a: 1\n<<<<<<< HEAD\na: 2\n=======\na: 3\n>>>>>>> other\n", 2, "競合の印"),
])
def test_parser_problems_are_in_japanese_with_a_line(text, line, words):
    with pytest.raises(yamlio.YamlError) as err:
        yamlio.load(text)
    assert (err.value.line, words in err.value.message) == (line, True), err.value.message
    assert not any("a" <= c <= "z" for c in err.value.message.replace("YAML", "").replace("git", "")), err.value.message


@pytest.mark.parametrize("text", [
    "No: !!float 5\n", "a: !!bool yes\n", "a: !!timestamp 2020-04-01\n", "a: !!binary aGk=\n",
    "a: !!null x\n", "a: !!set {x}\n",
])
def test_explicit_tags_that_change_text_are_refused(text):
    """`!!float 5` would load as 5.0 and `fmt` would write back different text."""
    with pytest.raises(yamlio.YamlError) as err:
        yamlio.load(text)
    assert "使えないタグ !!" in err.value.message and err.value.line == 1


def test_aliases_are_refused_before_they_expand():
    """Billion laughs: nine levels of nine aliases would be 9**9 values when written."""
    text = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
    with pytest.raises(yamlio.YamlError) as err:
        yamlio.load(text)
    assert "別名" in err.value.message
    assert yamlio.load("a: A&B\nb: '&x'\n") == {"a": "A&B", "b": "&x"}   # an & in text is fine
