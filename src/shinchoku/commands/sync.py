"""`shinchoku sync`: merge the central repository's changes, then send this clone's."""

from __future__ import annotations

from shinchoku.commands import _shared as options
from shinchoku.errors import Kind, ShinchokuError
from shinchoku.words import git_failure, sent

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


@options.repo
@options.option("--keep-both", action="store_true",
                help="競合した項目に両方の値を残して止まります（直してからコミットし、もう一度実行します）")
def configure(p) -> None:
    pass


def not_sent(exc, why: str, after: str = "") -> ShinchokuError:
    """The refusal for a send that did not land: ``why`` (the sentence for invalid
    records, whose problems are listed), or git's own failure (the server's reasons or
    git's words under a heading) followed by ``after``."""
    from shinchoku.sharing import sync

    if isinstance(exc, sync.Rejected):
        return ShinchokuError(why, kind=Kind.INVALID, problems=exc.problems)
    text = git_failure(exc.message, exc.detail, server_refused=exc.kind is Kind.SERVER_REFUSED)
    return ShinchokuError(f"{text}\n{after}" if after else text, kind=exc.kind)


def send_commit(store, author, what: str = "コミット") -> None:
    """After a command committed ``what`` in this clone: send it like ``shinchoku sync``
    (a refusal says it stays on this PC and how to send it later)."""
    from shinchoku.sharing import sync
    from shinchoku.store import GitError

    if not store.has_remote():
        return
    try:
        done = sync.sync(store, author, progress=options.progress)
    except sync.Rejected as exc:
        raise not_sent(exc, f"記録に問題があるため、{what}を中央のリポジトリへ送りませんでした。"
                            "直してから shinchoku sync で送ってください") from None
    except GitError as exc:
        raise ShinchokuError(f"{what}はこの PC にあります。中央のリポジトリへは送れませんでした"
                             f"（{exc.message}）。原因を解消してから shinchoku sync で送ってください",
                             kind=exc.kind, detail=exc.detail) from None
    print(sent(done.head))


def run(args) -> int:
    from shinchoku.hooks.advice import client_advice
    from shinchoku.sharing import sync
    from shinchoku.store import GitError, Store

    try:
        with Store(options.root_of(args)) as store:
            if not store.has_remote():
                raise ShinchokuError("中央のリポジトリ（origin）が設定されていません")
            done = sync.sync(store, store.author_from_config(), keep_both=args.keep_both,
                             progress=options.progress)
    except sync.Conflicted as exc:
        raise ShinchokuError(
            f"中央の変更と同じ項目を変更しています（{len(exc.problems)}件）。上の項目に両方の値を残しました"
            "（<<<<<<< 自分の変更 と >>>>>>> 相手の変更 の間）。どちらかの値に直し、印の行も消してから"
            " git commit -a で記録し、もう一度 shinchoku sync を実行してください"
            "（取り込みをやめるときは git merge --abort）", kind=Kind.CONFLICT, problems=exc.problems) from None
    except (sync.Rejected, GitError) as exc:
        # A refused commit stays here and would be refused again; the server checks every
        # commit, so a later fix on top does not help: the advice says to take it back.
        raise not_sent(exc, "記録に問題があるため送りませんでした。直してからもう一度実行してください",
                       client_advice(exc.detail) if isinstance(exc, GitError)
                       and exc.kind is Kind.SERVER_REFUSED else "") from None
    print(f"中央から{done.received}件のコミットを取り込み、{done.pushed}件を送りました（{done.head[:7]}）")
    return 0
