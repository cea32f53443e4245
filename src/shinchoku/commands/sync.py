"""`shinchoku sync`: merge the central repository's changes, then send this clone's."""

from __future__ import annotations

import sys
from pathlib import Path

DESCRIPTION = """\
中央のリポジトリの変更を項目ごとに取り込み（マージ）、この PC でコミットした変更を確認して
中央へ送ります。送る途中でほかの人が先に送っていたときは、少し待ってから取り込み直して
送り直します（中央のリポジトリが内容を受け付けなかったときだけ、その理由を表示して止まります）。
強制的に上書きすることはありません。前回の操作が途中で止まっていたとき（取り込みの途中、
残ったロックファイル、壊れた索引ファイル）は、コミット済みの変更と編集中のファイルを残したまま
元の状態に戻し、何をしたかを表示してから続けます。同じ項目が両方で変更されていれば「競合」として止まり、
両方の値を確かめられるようにします。

--keep-both を付けると、競合した項目に両方の値（<<<<<<< 自分の変更 … ======= … >>>>>>> 相手の変更）を
残して止まります。どちらかに直し、印の行も消してから git commit -a で記録し、もう一度
shinchoku sync を実行してください（やめるときは git merge --abort）。

例:
  shinchoku sync
  shinchoku sync --keep-both
  shinchoku sync --repo path/to/records

終了コード: 0 できた、1 競合・確認の問題・中央が受け付けなかった、2 使い方の誤り
"""


def configure(p) -> None:
    p.add_argument("--keep-both", action="store_true",
                   help="競合した項目に両方の値を残して止まります（直してからコミットし、もう一度実行します）")
    p.add_argument("--repo", metavar="DIR", help="記録リポジトリの場所（省略すると現在のフォルダから探します）")


def send_commit(store, author, what: str = "コミット") -> int:
    """After a command committed ``what`` in this clone: send it like ``shinchoku sync``,
    or say it stays on this PC and how to send it later.  Returns the exit code."""
    from shinchoku.sharing import sync
    from shinchoku.store import GitError

    if not store.has_remote():
        return 0
    try:
        done = sync.sync(store, author, progress=lambda m: print(m, file=sys.stderr))
    except sync.Rejected as exc:
        for p in exc.problems:
            print(p)
        print(f"shinchoku: 記録に問題があるため、{what}を中央のリポジトリへ送りませんでした。"
              "直してから shinchoku sync で送ってください", file=sys.stderr)
        return 1
    except GitError as exc:
        print(f"shinchoku: {what}はこの PC にあります。中央のリポジトリへは送れませんでした"
              f"（{exc.message}）。原因を解消してから shinchoku sync で送ってください", file=sys.stderr)
        return 1
    print(f"中央のリポジトリへ送りました（{done.head[:7]}）")
    return 0


def run(args) -> int:
    from shinchoku.model import records
    from shinchoku.sharing import sync
    from shinchoku.store import GitError, PushRefused, Store

    root = records.find_root(Path(args.repo) if args.repo else None)
    try:
        with Store(root) as store:
            if not store.has_remote():
                print("shinchoku: 中央のリポジトリ（origin）が設定されていません", file=sys.stderr)
                return 1
            done = sync.sync(store, store.author_from_config(), keep_both=args.keep_both,
                             progress=lambda m: print(m, file=sys.stderr))
    except sync.Conflicted as exc:
        for p in exc.problems:
            print(p)
        print(f"中央の変更と同じ項目を変更しています（{len(exc.problems)}件）。上の項目に両方の値を残しました"
              "（<<<<<<< 自分の変更 と >>>>>>> 相手の変更 の間）。どちらかの値に直し、印の行も消してから"
              " git commit -a で記録し、もう一度 shinchoku sync を実行してください"
              "（取り込みをやめるときは git merge --abort）", file=sys.stderr)
        return 1
    except sync.Rejected as exc:
        for p in exc.problems:
            print(p)
        print("記録に問題があるため送りませんでした。直してからもう一度実行してください", file=sys.stderr)
        return 1
    except GitError as exc:
        from shinchoku.hooks.advice import git_failure

        print(f"shinchoku: {git_failure(exc.message, exc.detail, server_refused=isinstance(exc, PushRefused))}",
              file=sys.stderr)
        if isinstance(exc, PushRefused):
            # The refused commit stays here and would be refused again; the server checks
            # every commit, so a later fix on top does not help: take the commit back.
            from shinchoku.hooks.advice import client_advice

            print(client_advice(exc.detail), file=sys.stderr)
        return 1
    print(f"中央から{done.received}件のコミットを取り込み、{done.pushed}件を送りました（{done.head[:7]}）")
    return 0
