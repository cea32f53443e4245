"""The ``shinchoku`` command line.

Each sub-command lives in ``shinchoku.commands.<module>`` with ``configure(parser)``
and ``run(args) -> int``; only the module of the command being run is imported, so
``shinchoku check`` starts fast (no GitPython, no openpyxl).

Exit codes: 0 done/clean, 1 problems found or the operation refused, 2 usage errors,
3 an unexpected error (a bug: its details are logged, see :mod:`shinchoku.errors`).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# (name, module, one-line summary shown in `shinchoku --help`)
COMMANDS: list[tuple[str, str, str]] = [
    ("status", "status", "進捗状況を推進方策・年度ごとに集計し、計画通りに進んでいない施策を一覧にします"),
    ("check", "check", "記録と計画をスキーマと計画に照らして確認します"),
    ("fmt", "fmt", "記録を決められた書式に整えます（--check で確認だけ）"),
    ("import-sheet", "import_sheet", "進行管理シート（タブ区切り）を取り込み records/ を作ります"),
    ("merge-driver", "merge_driver", "git のマージドライバー（記録を項目ごとにマージします）"),
    ("textconv", "textconv", "git の差分表示用に記録を項目ごとの行に変換します"),
    ("review", "review", "前回の確認以降に各課が変更した内容を表示し、承認・取り消しをします"),
    ("export", "export", "公表用の進行管理シート（xlsx・pdf）や一覧表（csv・jsonl）を書き出します"),
    ("workbook", "workbook", "各課が Excel で入力するブック（アドイン用）を作ります"),
    ("report", "report", "進捗状況のダッシュボード（HTML）を書き出します"),
    ("year", "year", "年度の受付を始める（open）・締め切る（close）"),
    ("progress", "progress", "報告の提出状況（未提出・提出済・差戻し・確認済）を課ごとに表示します"),
    ("submit", "submit", "報告を提出します（各課）"),
    ("sendback", "sendback", "報告を理由を付けて課に差し戻します（調整担当）"),
    ("approve", "approve", "提出された報告を確認済にします（調整担当）"),
    ("remind", "remind", "締切日の前と当日に、未提出・差戻しの報告がある課へ催促のメールを送ります"),
    ("history", "history", "1つの項目を、いつ・誰が・どう変えたかを新しい順に表示します"),
    ("blame", "blame", "報告の項目ごとに、最後に変更した人と日時を表示します"),
    ("sync", "sync", "中央のリポジトリの変更を取り込み、この PC の変更を送ります"),
    ("init", "init", "新しい記録リポジトリを作ります"),
    ("install", "install", "記録リポジトリの複製にフックとマージの設定をします"),
    ("hook", "hook", "git のフックから呼び出される確認（pre-commit・pre-receive）"),
    ("server-install", "server_install", "中央のリポジトリに、送られてきた変更を確認するフックを入れます"),
    ("serve", "serve", "ボタンを xlwings Server で提供します（職員の PC は Excel だけ）。token でアクセスキーを管理します"),
]

_JA = {
    "usage: ": "使い方: ",
    "positional arguments": "引数",
    "options": "オプション",
    "show this help message and exit": "このヘルプを表示して終わります",
    "the following arguments are required: %s": "次の引数が必要です: %s",
    "unrecognized arguments: %s": "分からない引数があります: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "「%(value)s」は選べません（選べるもの: %(choices)s）",
    "argument %(argument_name)s: %(message)s": "引数 %(argument_name)s: %(message)s",
    "expected one argument": "値を1つ指定してください",
    "invalid %(type)s value: %(value)r": "「%(value)s」は正しい値ではありません",
    "%(prog)s: error: %(message)s\n": "%(prog)s: エラー: %(message)s\n",
    "not allowed with argument %s": "%s と一緒には指定できません",
    "one of the arguments %s is required": "%s のどれか1つを指定してください",
    "ambiguous option: %(option)s could match %(matches)s":
        "「%(option)s」がどのオプションか決められません（当てはまるもの: %(matches)s）",
    "expected at least one argument": "値を1つ以上指定してください",
    "expected at most one argument": "値は1つまでです",
    "expected %s argument": "値を%s個指定してください",
    "expected %s arguments": "値を%s個指定してください",
    "ignored explicit argument %r": "このオプションに値（%s）は付けられません",
    "unexpected option string: %s": "ここにオプション %s は書けません",
}


def _translate(text: str) -> str:
    return _JA.get(text, text)


def _translate_plural(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


# argparse looks its strings up through `_` and `ngettext`: every one a user can meet is
# said in Japanese (an untranslated one stays English: add it above).
argparse._ = _translate  # type: ignore[attr-defined]
argparse.ngettext = _translate_plural  # type: ignore[attr-defined]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


class _Parser(argparse.ArgumentParser):
    def _check_value(self, action, value):  # noqa: D401 - argparse's hook
        # argparse lists choices as Python reprs ('a', 'b'): staff read 「a」／「b」
        if action.choices is not None and value not in action.choices:
            choices = "／".join(f"「{c}」" for c in action.choices)
            raise argparse.ArgumentError(action, f"「{value}」は選べません（選べるもの: {choices}）")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shinchoku",
        description="進捗（shinchoku）: 行動計画の進行管理シートを git で管理するツール",
        formatter_class=_Formatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="コマンド", title="コマンド")
    for name, module, summary in COMMANDS:
        if only is not None and name != only:
            sub.add_parser(name, help=summary)
            continue
        mod = importlib.import_module(f"shinchoku.commands.{module}")
        p = sub.add_parser(
            name, help=summary, description=getattr(mod, "DESCRIPTION", summary),
            formatter_class=_Formatter,
        )
        mod.configure(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    names = {c[0] for c in COMMANDS}
    only = argv[0] if argv and argv[0] in names else None
    parser = build_parser(only)
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help()
        return 2
    return _boundary(run, args)


def _boundary(run, args: argparse.Namespace) -> int:
    """The one place where a command's outcome becomes an exit code and words: a
    :class:`~shinchoku.errors.ShinchokuError` says its problems (one a line, on stdout)
    and then ``shinchoku: <message>`` (git's own words only under a Japanese heading,
    :func:`shinchoku.words.refusal`); a file the command could not read or write is
    named; anything else is a bug, logged in full, and the user is told where the log is
    (never an English traceback).  Commands never write ``shinchoku: …`` themselves."""
    from shinchoku.errors import EXIT_UNEXPECTED, ShinchokuError, log_unexpected

    try:
        return int(run(args) or 0)
    except KeyboardInterrupt:
        print("中断しました", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except ShinchokuError as exc:
        from shinchoku.words import refusal

        for problem in exc.problems:
            print(problem)
        sys.stdout.flush()
        print(f"shinchoku: {refusal(exc)}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        # A file or folder the command could not read or write: say which, not a traceback.
        from shinchoku.fileout import describe

        print(f"shinchoku: {describe(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last boundary: log it, say it in Japanese
        print(f"shinchoku: {log_unexpected(exc, 'shinchoku ' + str(getattr(args, 'command', '')))}",
              file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
