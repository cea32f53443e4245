"""`shinchoku merge-driver`: git's merge driver for records and the plan (field level)."""

from __future__ import annotations

import sys
from pathlib import Path

DESCRIPTION = """\
git がマージのときに呼び出すドライバーです（直接使うことはありません）。
記録を項目ごとに3方向マージします。別々の項目や別の課の報告の変更はそのまま両方取り込み、
同じ項目が両方で別々に変更されていれば「競合」として両方の値を残し、0以外で終わります。

設定（shinchoku install が行います）:
  git config merge.shinchoku.name "shinchoku field-level merge"
  git config merge.shinchoku.driver "python -m shinchoku merge-driver %O %A %B %P"
  .gitattributes: records/**/*.yaml merge=shinchoku diff=shinchoku
"""


def configure(p) -> None:
    p.add_argument("base", metavar="%O", help="共通の祖先の版（一時ファイル）")
    p.add_argument("ours", metavar="%A", help="自分の版（結果をここに書きます）")
    p.add_argument("theirs", metavar="%B", help="相手の版")
    p.add_argument("path", metavar="%P", nargs="?", default="", help="リポジトリ内のパス")


def _whole_file_conflict(ours: bytes, theirs: bytes) -> bytes:
    from shinchoku.rules.merge import OURS_MARK, SPLIT_MARK, THEIRS_MARK

    def text(b: bytes) -> str:
        t = b.decode("utf-8", "replace")
        return t if t.endswith("\n") or not t else t + "\n"

    return f"{OURS_MARK}\n{text(ours)}{SPLIT_MARK}\n{text(theirs)}{THEIRS_MARK}\n".encode("utf-8")


def run(args) -> int:
    from shinchoku.model import plan as plan_mod
    from shinchoku.model import records, yamlio
    from shinchoku.rules import merge

    name = args.path or args.ours
    paths = [Path(args.base), Path(args.ours), Path(args.theirs)]
    raw = [p.read_bytes() if p.is_file() else b"" for p in paths]
    try:
        base, ours, theirs = (yamlio.load(r) if r.strip() else None for r in raw)
    except yamlio.YamlError as exc:
        Path(args.ours).write_bytes(_whole_file_conflict(raw[1], raw[2]))
        print(f"競合: {name}: YAMLとして読めない版があるため、項目ごとのマージができません（{exc.message}）。"
              "両方の内容をファイルに残しました", file=sys.stderr)
        return 1
    is_plan = name.endswith(f"{records.RECORDS}/plan.yaml")
    if not isinstance(ours, dict) or not isinstance(theirs, dict):
        Path(args.ours).write_bytes(_whole_file_conflict(raw[1], raw[2]))
        if ours is None or theirs is None:
            why = "一方で削除され、他方で変更されています"
        else:
            why = "記録の形（項目と値の対応表）になっていない版があるため、項目ごとのマージができません"
        print(f"競合: {name}: {why}。両方の内容をファイルに残しました", file=sys.stderr)
        return 1
    if is_plan:
        merged, conflicts = merge.merge_plan(base, ours, theirs)
    else:
        order = None
        try:
            plan = plan_mod.load(Path(records.RECORDS))
            initiative = plan.by_no().get(ours.get("No"))
            order = list(initiative.departments) if initiative else None
        except (OSError, yamlio.YamlError, KeyError, TypeError):
            order = None
        merged, conflicts = merge.merge_records(base, ours, theirs, order)
    if any(c.hard for c in conflicts):
        Path(args.ours).write_bytes(_whole_file_conflict(raw[1], raw[2]))
        for c in conflicts:
            print(f"競合: {name} {c.path}: 両方で別々に変更されています（両方の内容をファイルに残しました）", file=sys.stderr)
        return 1
    text = records.dumps_plan(merged) if is_plan else records.dumps(merged)
    Path(args.ours).write_text(text, encoding="utf-8", newline="\n")
    for c in conflicts:
        print(f"競合: {name} {c.path}: 両方で別々に変更されています（両方の値を残しました。どちらかに直してください）", file=sys.stderr)
    return 1 if conflicts else 0
