"""What the commands share: their common options (as decorators on ``configure``) and
the few ways they talk besides their results.

An option decorator adds its option after the command's own::

    @options.repo
    @options.as_json
    def configure(p): ...

adds the command's options, then ``--json``, then ``--repo``.  A command refuses by
raising :class:`~shinchoku.errors.ShinchokuError` (``cli``'s boundary says it); besides
its results it only says :func:`note` (a warning, on stderr) and :func:`progress`.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

Configure = Callable[[Any], None]


class option:
    """An option some commands share: a decorator for ``configure(p)`` that adds it after
    the command's own options, or :meth:`add` it to a parser directly."""

    def __init__(self, *flags: str, **kwargs: Any):
        self.flags, self.kwargs = flags, kwargs

    def add(self, p) -> None:
        p.add_argument(*self.flags, **self.kwargs)

    def __call__(self, configure: Configure) -> Configure:
        @functools.wraps(configure)
        def configured(p) -> None:
            configure(p)
            self.add(p)
        return configured


REPO_HELP = "記録リポジトリの場所（省略すると現在のフォルダから探します）"

repo = option("--repo", metavar="DIR", help=REPO_HELP)
as_json = option("--json", action="store_true", help="JSON で出力します（ほかのツール向け）")
department = option("--department", metavar="課", help="この主管課の報告だけ")
years = option("--year", action="append", metavar="年度", help="年度（H29、R2 など。くり返し指定できます）")
paths = option("paths", nargs="*", metavar="PATH", help="対象のファイルかフォルダ（省略するとリポジトリ全体）")


def root_of(args) -> Path:
    """The records repository ``--repo`` names, or the one around the current folder."""
    from shinchoku.model import records

    return records.find_root(Path(args.repo) if args.repo else None)


def scoped(configure: Configure) -> Configure:
    """``--year``, ``--department`` and ``--repo``: the options :func:`scope` reads."""
    return repo(department(years(configure)))


def targeted(configure: Configure) -> Configure:
    """``PATH…`` and ``--repo``: the options :func:`files` reads."""
    return repo(paths(configure))


def files(args) -> tuple[Path, list[Path] | None]:
    """The repository and the files ``PATH…`` name (a folder's ``*.yaml`` files in it), or
    None for the whole repository; a usage error for a name that does not exist, or for
    no repository when none was named."""
    from shinchoku.errors import EXIT_USAGE, UsageError
    from shinchoku.model import plan as plan_mod
    from shinchoku.model import records
    from shinchoku.words import no_such_file

    root = root_of(args)
    if not args.paths:
        plan_mod.require_repository(root, exit_code=EXIT_USAGE)
        return root, None
    missing = [name for name in args.paths if not Path(name).exists()]
    if missing:
        raise UsageError(no_such_file(*missing))
    found: list[Path] = []
    for name in args.paths:
        p = Path(name)
        found.extend(sorted(p.rglob("*.yaml")) if p.is_dir() else [p])
    return (records.find_root(found[0].resolve().parent) if found else root), found


def scope(args):
    """(root, plan, years, department) for a command that reads the plan: ``--repo``, its
    plan (PlanUnavailable), ``--year`` and ``--department`` checked against the plan."""
    from shinchoku.model import plan as plan_mod

    root = root_of(args)
    plan = plan_mod.load_repository(root)
    return root, plan, plan_years(plan, args.year), plan_department(plan, args.department)


def left_out(unreadable: list[str]) -> int:
    """Say the records that could not be read and so were not counted; the exit code."""
    from shinchoku.words import unreadable_left_out

    for line in unreadable:
        print(unreadable_left_out(line), file=sys.stderr)
    return 1 if unreadable else 0


def note(text: str) -> None:
    """A warning: the command goes on (``注意: …`` on stderr)."""
    print(f"注意: {text}", file=sys.stderr)


def progress(text: str) -> None:
    """What a long step is doing now (stderr, so that results stay clean on stdout)."""
    print(text, file=sys.stderr)


def year_label(text: str) -> str:
    """A year as every command reads it (ｒ２, R2年度 → R2); a usage error otherwise."""
    from shinchoku.errors import UsageError
    from shinchoku.sharing.yearcycle import YearError, normalise_label

    try:
        return normalise_label(text)
    except YearError as exc:
        raise UsageError(str(exc)) from None


def plan_years(plan, given: list[str] | None) -> list[str]:
    """``--year`` values read as years and checked against the plan (a usage error)."""
    from shinchoku.errors import UsageError
    from shinchoku.words import year_not_in_plan

    out = []
    for text in given or []:
        label = year_label(text)
        if label not in plan.year_labels:
            raise UsageError(year_not_in_plan(label, plan.year_labels))
        out.append(label)
    return out


def plan_department(plan, given: str | None) -> str | None:
    """``--department`` checked against the plan's lead departments (a usage error)."""
    from shinchoku.errors import UsageError
    from shinchoku.words import not_a_lead_department

    if given and given not in plan.departments():
        raise UsageError(not_a_lead_department(given, plan.departments()))
    return given


def output_suffix(out: Path, suffix: str, what: str = "ファイル名") -> None:
    """Warn when ``out`` does not end in ``suffix`` (the file is still written)."""
    if out.suffix.lower() != suffix:
        note(f"{what}の拡張子が {suffix} ではありません（{out.name}）")


@contextlib.contextmanager
def writing(out: Path) -> Iterator[None]:
    """Around writing ``out``: a refusal to write it (Excel holds it open) is said as such."""
    from shinchoku.errors import ShinchokuError
    from shinchoku.words import cannot_write

    try:
        yield
    except PermissionError:
        raise ShinchokuError(cannot_write(out)) from None
