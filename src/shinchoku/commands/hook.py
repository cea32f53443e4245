"""`shinchoku hook pre-commit|pre-receive`: what the scripts in hooks/ call."""

from __future__ import annotations

import sys
from pathlib import Path

from shinchoku.errors import EXIT_OK, ShinchokuError, UsageError
from shinchoku.fileout import describe
from shinchoku.words import NOT_MAILED

DESCRIPTION = """\
git のフック（hooks/ のスクリプト）から呼び出されます。直接使うことはあまりありません。

  pre-commit   コミットしようとしている記録（インデックスの内容）を確認し、
               問題があればコミットを止めます
  pre-receive  中央のリポジトリで、送信によって main がどう変わるか（送信前と送信後の
               内容の違い）と、送られてきたコミットを確認し、書式や内容の問題、
               records/access.yaml の決まり（どの人がどの課の報告を変えられるか、
               締切の年度は協働推進課だけ）に合わないものを受け付けません
  post-receive 中央のリポジトリで、受け付けた送信に提出・差戻しがあれば、
               records/contacts.yaml の宛先にお知らせのメールを送ります

例:
  shinchoku hook pre-commit
"""


def configure(p) -> None:
    p.add_argument("name", choices=("pre-commit", "pre-receive", "post-receive"),
                   metavar="pre-commit|pre-receive|post-receive",
                   help="フックの名前")
    p.add_argument("rest", nargs="*", help="git がフックに渡す引数")


def run(args) -> int:
    if args.name == "pre-commit":
        return _pre_commit()
    if args.name == "post-receive":
        return _post_receive()
    from shinchoku.hooks import receive

    return receive.main(sys.stdin)


def _post_receive() -> int:
    """After an accepted push: the cycle's e-mail (shinchoku.sharing.notify); never fails the push."""
    import os

    from shinchoku.sharing import notify
    from shinchoku.store import GitError, Store

    if hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(encoding="utf-8", errors="replace")
    try:
        with Store(Path(os.environ.get("GIT_DIR") or ".").resolve(), bare=True) as store:
            return notify.post_receive(store, sys.stdin, sys.stderr)
    except GitError as exc:
        raise ShinchokuError(f"{NOT_MAILED}（{exc.message}）", kind=exc.kind, detail=exc.detail,
                             exit_code=EXIT_OK) from None
    except OSError as exc:
        raise ShinchokuError(f"{NOT_MAILED}（{describe(exc)}）", exit_code=EXIT_OK) from None


def _pre_commit() -> int:
    from shinchoku.commands.check import report
    from shinchoku.hooks import precommit
    from shinchoku.store import GitError, Store

    try:
        store = Store(Path.cwd())
    except GitError as exc:
        raise UsageError(f"{exc.message}（pre-commit フックは git のリポジトリの中で git commit から呼ばれます）",
                         kind=exc.kind, detail=exc.detail) from None
    problems, checked = precommit.check_index(store)
    if not problems:
        return 0
    sys.stdout = sys.stderr
    files = report(problems)
    print(f"コミットを止めました: {files}件のファイルで{len(problems)}件の問題が見つかりました"
          f"（{checked}件のファイルを確認）。直してから、もう一度コミットしてください", file=sys.stderr)
    return 1
