"""No English from a parser reaches staff (issue 13): the TOML parser's text for a broken
settings file, argparse's Python-style quotes around choices."""

from __future__ import annotations

import re

import pytest

import gitrepo
from gitrepo import YAMADA, commit_all, git
from shinchoku.cli import main
from shinchoku.sharing import settings

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


def test_sync_to_an_unreachable_central_says_japanese_first_and_sets_gits_english_apart(small_repo, tmp_path, capsys):
    """The command line, like the add-in's alert: git's own lines (fatal: …) only indented
    under a Japanese heading, never on their own."""
    git(small_repo, "init", "-q", "-b", "main")
    commit_all(small_repo, "初期", who=YAMADA)
    central = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(small_repo), str(central))
    clone = gitrepo.clone(central, tmp_path / "clone", YAMADA, install=False)
    central.rename(tmp_path / "moved.git")

    assert main(["sync", "--repo", str(clone)]) == 1
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    said = next(i for i, ln in enumerate(lines) if ln.startswith("shinchoku: "))
    assert "接続できませんでした" in lines[said] and not ENGLISH.search(lines[said].removeprefix("shinchoku: ")), lines
    english = [i for i, ln in enumerate(lines) if "fatal" in ln or "repository" in ln]
    assert english, lines                     # git's detail is kept for whoever is asked for help ...
    for i in english:                         # ... but only indented under the Japanese heading
        assert lines[i].startswith("　　"), lines[i]
        assert any(ln.startswith("（git からの詳細") for ln in lines[:i]), lines
