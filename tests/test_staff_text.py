"""No English from a parser reaches staff (issue 13): the TOML parser's text for a broken
settings file, argparse's Python-style quotes around choices."""

from __future__ import annotations

import re

import pytest

from shinchoku import settings
from shinchoku.cli import main

ENGLISH = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("text, line", [
    ('name = "山田 花子"\nemail = yamada@city.example\n', "2行目"),
    ("name = \"山田\"\nrepo = 'C:\\Users\\yamada\n", "最後の行"),
    ('name = "山田"\nrepo\n', "2行目"),
])
def test_a_broken_settings_file_is_explained_in_japanese_with_its_line(tmp_path, text, line):
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(settings.SettingsError) as info:
        settings.load(cfg)
    message = str(info.value).replace(str(cfg), "")
    assert f"の{line}の書き方に誤りがあります" in message
    # the only Latin letters left are the example values shown to copy
    assert ENGLISH.findall(message.replace("C:\\Users\\…", "")) == [], message


def test_choices_are_listed_in_japanese_brackets_not_python_quotes(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["export", "xx", str(tmp_path / "out")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "「xx」は選べません（選べるもの: 「xlsx」／「pdf」／「csv」／「jsonl」）" in err
    assert "'" not in err.splitlines()[-1]
