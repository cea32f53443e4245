"""`shinchoku review`: what every department changed since the last approved review."""

from __future__ import annotations

import sys
from pathlib import Path

from shinchoku.commands import _shared as options
from shinchoku.errors import ShinchokuError, UsageError

DESCRIPTION = """\
前回の確認（reviewed/年-月-日 の印）のあとに各課が変更した内容を、主管課・施策ごとに
まとめて表示します。年度・項目・変更前 → 変更後・変更した人・日時・コミットを示し、
長い文章は変わった語句だけに印を付けます（[-削除-]{+追加+}）。

例:
  shinchoku review                              # 前回の確認以降の変更
  shinchoku review --since 2025-04-01           # その日以降の変更
  shinchoku review --since reviewed/2025-04-01  # その印以降の変更
  shinchoku review --html 変更確認.html          # ブラウザーで見るページを書き出す
  shinchoku review --approve --note "4月分確認"  # ここまで確認済みの印を付けて中央へ送る
  shinchoku review --revert 1a2b3c4 --note "別の施策の内容が入っていたため"

終了コード: 0 表示した／承認した／取り消した、1 できなかった、2 使い方の誤り
"""


@options.repo
@options.option("--no-fetch", action="store_true", help="中央のリポジトリを確認せずに表示します")
@options.option("--note", metavar="TEXT", help="承認のメモ、または取り消しの理由（--revert には必須）")
@options.option("--revert", metavar="COMMIT", help="このコミットの変更を取り消す新しいコミットを作ります")
@options.option("--approve", action="store_true", help="今の状態までを確認済みにする印を付け、中央のリポジトリへ送ります")
@options.as_json
def configure(p) -> None:
    p.add_argument("--since", metavar="REF|DATE", help="この印・コミット・日付（2025-04-01）より後の変更を表示します")
    p.add_argument("--html", metavar="FILE", help="ブラウザーで見るページ（HTML）に書き出します")


def run(args) -> int:
    from shinchoku.publish import reviewpage
    from shinchoku.sharing import review
    from shinchoku.store import Store

    if sum(bool(x) for x in (args.approve, args.revert, args.html or args.json)) > 1:
        raise UsageError("--approve・--revert・表示（--html/--json）は1つずつ実行してください")
    if args.revert and not (args.note and args.note.strip()):
        raise UsageError("取り消しには理由が必要です（--note \"理由\" を付けてください）")
    problem = _bad_date(args.since) if args.since else None
    if problem:
        raise UsageError(f"--since {problem}")
    root = options.root_of(args)
    if not (root / ".git").exists():
        raise ShinchokuError(f"{root} は git で管理された記録リポジトリではありません")
    with Store(root) as store:
        if args.revert:
            return _revert(store, args.revert, args.note)
        target, compared, behind = _fetch(store, fetch=not args.no_fetch, approving=args.approve)
        if args.approve:
            return _approve(store, compared, behind, args.note)
        result = review.collect(store, args.since, target)
    result.compared = f"{compared}を、{reviewpage.base_text(result)}から比べました"
    if args.json:
        print(result.compared, file=sys.stderr)
        sys.stdout.write(reviewpage.to_json(result) + "\n")
    elif args.html:
        out = Path(args.html)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(reviewpage.render_html(result), encoding="utf-8", newline="\n")
        print(f"{out} に書き出しました（{reviewpage.summary_line(result)}）")
        print(result.compared)
    else:
        sys.stdout.write(reviewpage.render_text(result, color=sys.stdout.isatty()))
    return 0


def _approve(store, compared: str, behind: int, note: str | None) -> int:
    from shinchoku.publish import reviewpage
    from shinchoku.sharing import review

    if behind:
        raise review.ReviewError(
            f"この PC には、中央のリポジトリのコミットのうち、まだ取り込んでいないものが{behind}件あります。"
            "見ていない変更を承認しないよう、承認の印は付けませんでした。shinchoku sync で取り込み、"
            "shinchoku review で確かめてから、もう一度承認してください")
    result = review.collect(store)
    tag, count = review.approve(store, note, collected=result)
    pushed = "中央のリポジトリへ送りました" if store.has_remote() else "中央のリポジトリがないため、この PC にだけ付けました"
    print(f"{compared}を、{reviewpage.base_text(result)}から比べました")
    print(f"確認済みの印 {tag} を付けました（変更 {count}件）。{pushed}")
    return 0


def _bad_date(text: str) -> str | None:
    """Why ``text``, written as a date, is not one (None when it is, or is no date at all)."""
    import datetime as _dt
    import re

    m = re.match(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$", text)
    if not m:
        return None
    y, mo, d = (int(m.group(k)) for k in (1, 2, 3))
    try:
        _dt.datetime(y, mo, d, int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0))
    except ValueError:
        if not 1 <= mo <= 12:
            why = f"{mo}月はありません"
        elif d < 1 or d > 28:
            why = f"{y}年{mo}月{d}日はありません"
        else:
            why = "時刻が正しくありません"
        return f"「{text}」は日付として正しくありません（{why}）。2025-04-01 のように書いてください"
    return None


def _fetch(store, fetch: bool = True, approving: bool = False) -> tuple[str, str, int]:
    """Bring the central repository's news in.  Returns (what to review, how to name it for
    the reader, commits on the central repository this PC has not merged yet).

    The review is of the central repository (``origin/main`` just fetched), not of this
    PC's copy, so a coordinator who has not run sync still sees every department's
    changes.  When the central repository cannot be reached, this PC's copy is reviewed
    and the reader is told so; approving then is refused (the tag could not be sent)."""
    from shinchoku.sharing import review
    from shinchoku.store import GitError

    branch = store.branch()
    local = f"この PC の記録（{branch}、{(store.head() or '')[:7]}）"
    if not store.has_remote():
        return "HEAD", local, 0
    if fetch:
        try:
            store.fetch()
        except GitError:
            if approving:
                raise review.ReviewError("中央のリポジトリに接続できないため、承認できません"
                                         "（ネットワークをご確認のうえ、もう一度実行してください）") from None
            options.note("中央のリポジトリに接続できなかったため、この PC にある内容で表示します")
            return "HEAD", local + "（中央のリポジトリに接続できなかったため）", 0
    upstream = store.upstream()
    central = store.rev(upstream)
    if central is None:
        return "HEAD", local + "（中央のリポジトリにまだ送っていないため）", 0
    ahead, behind = store.ahead_behind()
    checked = "" if fetch else "、最後に取得した時点"
    label = f"中央のリポジトリ（{upstream}、{central[:7]}{checked}）"
    if behind and not approving:
        options.note(f"この PC には、まだ取り込んでいない中央のコミットが{behind}件あります。"
                     "表示は中央のリポジトリの内容です（この PC に取り込むには shinchoku sync）")
    if ahead and not approving:
        options.note(f"この PC には、中央のリポジトリへまだ送っていないコミットが{ahead}件あります（表示には含まれません）")
    return upstream, label, behind


def _revert(store, sha: str, note: str) -> int:
    from shinchoku.publish import reviewpage
    from shinchoku.sharing import review

    commit, recs, changes = review.reverted_records(store, sha)
    author = store.author_from_config()
    store.commit_records(recs, author, reviewpage.revert_note(commit, note))
    print(f"{commit.short}（{commit.author}「{commit.subject}」）の変更 {len(changes)}件を取り消すコミットを作りました")
    for c in changes:
        print(f"  {c.year} No {c.no} {c.department} {c.field}")
    from shinchoku.commands.sync import send_commit

    send_commit(store, author, "取り消しのコミット")
    return 0
