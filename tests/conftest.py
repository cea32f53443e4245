"""Shared fixtures: a small, real records repository written through the real code."""

from __future__ import annotations

from pathlib import Path

import pytest

from shinchoku.model import records

PROJECT = Path(__file__).resolve().parents[1]
SEED = PROJECT / "tests" / "data" / "fuchu_shinkou_kanri.tsv"


def small_plan() -> dict:
    """A three-initiative plan shaped like the real one (two of them with two departments)."""
    return {
        "計画名": "テスト市市民協働推進行動計画",
        "計画期間": "令和元年度～令和3年度",
        "計画年度": ["R1", "R2", "R3"],
        "年度": [
            {"年度": "H30", "西暦": 2018, "状態": "締切"},
            {"年度": "R1", "西暦": 2019, "状態": "締切"},
            {"年度": "R2", "西暦": 2020, "状態": "受付中"},
        ],
        "推進方策": [
            {"番号": 1, "名称": "市民の協働に対する意識の醸成", "目標": [
                {"番号": 1, "名称": "効果的な啓発・PR活動の推進", "施策": [
                    {"No": 1, "施策名": "市民協働推進シンポジウムの開催", "主管課": ["協働推進課"],
                     "関係課": [], "事業内容": "シンポジウムを開催します。",
                     "計画": {"R1": "継続実施", "R2": "継続実施", "R3": "継続実施"}},
                    {"No": 5, "施策名": "次代の協働の担い手の育成", "主管課": ["指導室", "児童青少年課"],
                     "関係課": ["地域コミュニティ課"],
                     "事業内容": {"指導室": "授業を実施します。", "児童青少年課": "事業を実施します。"},
                     "計画": {"R1": "継続実施", "R2": "継続実施", "R3": "継続実施"}},
                ]},
            ]},
            {"番号": 2, "名称": "企業との協働", "目標": [
                {"番号": 1, "名称": "企業との協働の推進", "施策": [
                    {"No": 9, "施策名": "企業との協働を推進するための各種仕組みの整備",
                     "主管課": ["産業振興課", "協働推進課"], "関係課": [],
                     "計画": {"R1": "継続実施", "R2": "継続実施", "R3": "継続実施"}},
                ]},
            ]},
        ],
    }


def small_records() -> list[dict]:
    out = []
    for year in ("H30", "R1", "R2"):
        out.append({"No": 1, "年度": year, "報告": [
            {"主管課": "協働推進課", "進捗状況": "計画通りに進んでいる", "実績": f"{year}にシンポジウムを開催した。",
             "課題": "参加者が少ない。", "次年度へ向けた取組": "周知を強化する。"}]})
        out.append({"No": 5, "年度": year, "報告": [
            {"主管課": "指導室", "進捗状況": "計画通りに進んでいる", "実績": "授業を実施した。\n地域の人材と連携した。"},
            {"主管課": "児童青少年課", "進捗状況": "計画通りに進んでいない", "実績": "イベントを実施した。",
             "課題": "協力者との情報交換が足りない。"}]})
        out.append({"No": 9, "年度": year, "報告": [
            {"主管課": "産業振興課", "進捗状況": "計画通りに進んでいる", "実績": "企業紹介を行った。"},
            {"主管課": "協働推進課", "進捗状況": "計画通りに進んでいる", "備考": "0回"}]})
    return out


def write_small_repo(root: Path) -> Path:
    """Write schema/, records/plan.yaml and the records of the small plan under ``root``."""
    (root / "schema").mkdir(parents=True, exist_ok=True)
    for f in (PROJECT / "schema").glob("*.json"):
        (root / "schema" / f.name).write_bytes(f.read_bytes())
    (root / "records").mkdir(exist_ok=True)
    (root / "records" / "plan.yaml").write_text(records.dumps_plan(small_plan()), encoding="utf-8")
    for rec in small_records():
        records.write_record(root, rec)
    return root


def wire_for_git(root: Path) -> Path:
    """The hook shims and .gitattributes a records repository carries (as `shinchoku init`
    lays them out), added to ``root``."""
    from shinchoku import store
    from shinchoku.store import repo_setup

    repo_setup.copy_hooks(root / "hooks")
    (root / ".gitattributes").write_text(store.ATTRIBUTES, encoding="utf-8", newline="\n")
    return root


def edit_report(root: Path, year: str, no: int, dept: str, **fields: str | None) -> None:
    """Change one department's report fields in the working tree (None removes a field),
    written back in canonical form: a staff member's edit, without git."""
    rec = records.load_record(root / records.record_relpath(year, no))
    report = next(r for r in rec["報告"] if r["主管課"] == dept)
    for k, v in fields.items():
        if v is None:
            report.pop(k, None)
        else:
            report[k] = v
    records.write_record(root, rec)


@pytest.fixture
def small_repo(tmp_path) -> Path:
    """A records repository (plain folder, no git) with the small plan and its records."""
    return write_small_repo(tmp_path / "repo")


# -- an office: the central repository, the coordinator's seed, staff clones (tests/gitrepo.py)


@pytest.fixture
def make_office(tmp_path):
    """``make_office(**options)``: a :class:`gitrepo.Office` under tmp_path — a bare central
    repository with the real server hook, the small plan pushed by the coordinator, a
    clone per member of staff (``staff={"yamada": YAMADA, ...}``)."""
    import functools

    from gitrepo import Office

    return functools.partial(Office, tmp_path)


@pytest.fixture
def remote_engine(monkeypatch):
    """xlwings' remote engine ready for the add-in's buttons; fails (never skips) without it."""
    from workbooks import check_remote_engine

    check_remote_engine(monkeypatch)


@pytest.fixture
def addin_office(make_office, remote_engine, tmp_path, monkeypatch, capsys):
    """(central, yamada, sato): the add-in's office — access rules for yamada, sato and ito
    (workbooks.DEPARTMENTS), 山田 and 佐藤 each at a wired clone with a settings file and
    a workbook open in the Excel stand-in (:class:`workbooks.Staff`)."""
    from gitrepo import SATO, YAMADA, access_yaml
    from workbooks import DEPARTMENTS, Staff

    office = make_office(access=access_yaml(DEPARTMENTS), message="取り込み")
    yamada = Staff(tmp_path, office.central, YAMADA, monkeypatch=monkeypatch)
    sato = Staff(tmp_path, office.central, SATO, monkeypatch=monkeypatch)
    capsys.readouterr()
    return office.central, yamada, sato
