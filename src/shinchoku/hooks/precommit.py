"""The pre-commit check: the staged records, as they are in the index.

What is checked is what will be committed (``git show :path``), not the working tree,
so a file fixed on disk but not staged still stops the commit.  The same
:class:`shinchoku.rules.validate.Checker` as ``shinchoku check`` runs, with canonical form
required; a staged ``plan.yaml`` is checked itself and every staged record is checked
against it (all records when the plan changed).
"""

from __future__ import annotations

from pathlib import Path

from shinchoku.model import records, yamlio
from shinchoku.model.plan import load_cached
from shinchoku.rules import validate
from shinchoku.store import Store

PLAN_RELPATH = validate.PLAN_RELPATH


def check_index(store: Store) -> tuple[list[validate.Problem], int]:
    """(problems, number of files checked) for what the index would commit."""
    staged = store.staged_paths(records.RECORDS)
    if not staged:
        return [], 0
    plan_raw = store.read_object(f":{PLAN_RELPATH}")
    problems: list[validate.Problem] = []
    plan = None
    root = Path(store.root)
    if plan_raw is None:
        problems.append(validate.Problem(PLAN_RELPATH, 0, "", "計画ファイル（records/plan.yaml）がありません"))
    else:
        if PLAN_RELPATH in staged:       # the plan itself is checked only when it is being committed
            problems += validate.Checker(root, None).check(PLAN_RELPATH, plan_raw, canonical=True)
        try:
            plan = load_cached(plan_raw, store.cache_dir())
        except yamlio.YamlError:
            plan = None
    targets = store.index_paths(records.RECORDS) if PLAN_RELPATH in staged else staged
    checker = validate.Checker(root, plan)
    for rel in targets:
        if rel == PLAN_RELPATH or not rel.endswith((".yaml", ".yml")):
            continue
        content = store.read_object(f":{rel}")
        if content is None:
            continue
        problems.extend(checker.check(rel, content, canonical=True))
    return problems, len(targets)
