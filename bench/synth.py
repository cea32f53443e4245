"""Make a synthetic records repository at any scale (deterministic for a seed).

    python bench/synth.py OUT --initiatives 1000 --years 10 --seed 1 [--git]

The large case used by the benchmarks is 1,000 initiatives × 10 years × 1–3 lead
departments (about 20,000 reports in 10,000 files). Everything is written through
``shinchoku.model.records`` so the result is canonical and passes ``shinchoku check``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
from pathlib import Path

from shinchoku.model import plan as plan_mod
from shinchoku.model import records

PROJECT = Path(__file__).resolve().parents[1]

DEPARTMENTS = [
    "協働推進課", "政策課", "広報課", "職員課", "産業振興課", "指導室", "児童青少年課", "文化生涯学習課",
    "地域コミュニティ課", "建築施設課", "環境政策課", "福祉総務課", "高齢者支援課", "防災危機管理課",
    "公園緑地課", "交通対策課", "観光プロモーション課", "スポーツ振興課", "子育て応援課", "情報戦略課",
]
STATUSES = ["計画通りに進んでいる"] * 6 + ["計画通りに進んでいない", "完了(目標を達成)", "計画を変更して実施している"]
SUBJECTS = ["市民活動団体", "地域の自治会", "市内の大学", "NPO法人", "商店会", "市民ボランティア", "企業", "関係課"]
ACTIONS = ["講座を開催した", "意見交換会を実施した", "情報発信を強化した", "事例集を作成した", "相談会を開いた",
           "ワークショップを行った", "アンケート調査を実施した", "協定を締結した"]
ISSUES = ["参加者が少ない", "周知が十分でない", "担い手が不足している", "関係課との調整に時間がかかる",
          "事業の効果が見えにくい", "予算の確保が難しい"]
NEXT = ["引き続き周知を強化する", "実施方法を見直す", "関係課と連携して取り組む", "オンラインでの開催を検討する",
        "参加しやすい時間帯に開催する"]


def year_labels(n: int, last_western: int = 2023) -> list[str]:
    out = []
    for western in range(last_western - n + 1, last_western + 1):
        out.append(f"R{western - 2018}" if western >= 2019 else f"H{western - 1988}")
    return out


def _text(rng: random.Random, pool: list[str], lo: int, hi: int) -> str:
    target = rng.randint(lo, hi)
    parts: list[str] = []
    while sum(len(p) for p in parts) < target:
        parts.append(f"{rng.choice(SUBJECTS)}と連携し、{rng.choice(pool)}。")
        if rng.random() < 0.15:
            parts.append(f"【実施回数】{rng.randint(1, 30)}回\n")
    return "".join(parts).strip()


def make_plan(initiatives: int, years: int, seed: int) -> dict:
    rng = random.Random(seed)
    labels = year_labels(years)
    strategies = []
    no = 1
    n_strategies = max(1, min(10, initiatives // 3))
    per_strategy = [initiatives // n_strategies + (1 if i < initiatives % n_strategies else 0) for i in range(n_strategies)]
    for s in range(n_strategies):
        goals = []
        count = per_strategy[s]
        n_goals = max(1, min(3, count))
        for g in range(n_goals):
            items = []
            for _ in range(count // n_goals + (1 if g < count % n_goals else 0)):
                depts = rng.sample(DEPARTMENTS, rng.choice([1, 2, 3]))
                items.append({
                    "No": no, "施策名": f"施策{no}の推進", "主管課": depts,
                    "関係課": rng.sample(DEPARTMENTS, rng.randint(0, 2)),
                    "事業内容": _text(rng, ACTIONS, 40, 120),
                    "計画": {y: rng.choice(["継続実施", "検討", "実施"]) for y in labels[-3:]},
                })
                no += 1
            goals.append({"番号": g + 1, "名称": f"目標{s + 1}-{g + 1}", "施策": items})
        strategies.append({"番号": s + 1, "名称": f"推進方策{s + 1}の名称", "目標": goals})
    return {
        "計画名": "合成市市民協働推進行動計画", "計画期間": "合成データ",
        "計画年度": labels[-3:],
        "年度": [{"年度": y, "西暦": plan_mod.western_year(y), "状態": "受付中" if i == len(labels) - 1 else "締切"}
                for i, y in enumerate(labels)],
        "推進方策": strategies,
    }


def make_record(rng: random.Random, initiative, year: str) -> dict:
    reports = []
    for dept in initiative.departments:
        r = {"主管課": dept, "進捗状況": rng.choice(STATUSES), "実績": _text(rng, ACTIONS, 50, 400)}
        if rng.random() < 0.8:
            r["課題"] = _text(rng, ISSUES, 30, 200)
        if rng.random() < 0.9:
            r["次年度へ向けた取組"] = _text(rng, NEXT, 30, 200)
        if rng.random() < 0.2:
            r["備考"] = _text(rng, ACTIONS, 10, 60)
        reports.append(r)
    return {"No": initiative.no, "年度": year, "報告": reports}


def make_repo(path: Path, initiatives: int = 1000, years: int = 10, seed: int = 1, git: bool = False) -> Path:
    """Write schema/, records/plan.yaml and every record under ``path`` (replacing it)."""
    if path.exists():
        shutil.rmtree(path)
    (path / "schema").mkdir(parents=True)
    for f in (PROJECT / "schema").glob("*.json"):
        shutil.copy(f, path / "schema" / f.name)
    plan_data = make_plan(initiatives, years, seed)
    (path / "records").mkdir()
    (path / "records" / "plan.yaml").write_text(records.dumps_plan(plan_data), encoding="utf-8")
    plan = plan_mod.Plan(plan_data)
    rng = random.Random(seed + 1)
    for year in plan.year_labels:
        for initiative in plan.initiatives():
            records.write_record(path, make_record(rng, initiative, year))
    if git:
        run = lambda *a: subprocess.run(["git", *a], cwd=path, check=True, capture_output=True)  # noqa: E731
        run("init", "-q", "-b", "main")
        run("config", "user.name", "合成データ")
        run("config", "user.email", "synth@example.invalid")
        run("add", "-A")
        run("commit", "-q", "-m", "合成データを作成")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--initiatives", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--git", action="store_true", help="also git init and commit")
    args = ap.parse_args()
    make_repo(args.out, args.initiatives, args.years, args.seed, args.git)
    n = sum(1 for _ in records.iter_record_files(args.out))
    print(f"{args.out}: {n} records")


if __name__ == "__main__":
    main()
