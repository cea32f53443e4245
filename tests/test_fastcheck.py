"""The fast pre-check never vouches for a document jsonschema would reject."""

from __future__ import annotations

import copy
import random

from conftest import small_plan, small_records
from shinchoku.model import schema
from shinchoku.model.fastcheck import compile_schema

VALUES = [None, True, 0, 5, -1, 1.5, "", "x", "計画通り", "計画通りに進んでいる", "あ" * 2001, "a\tb", [], {}, ["x"], {"k": "v"},
          "R2", "R99x", 10_000]


def mutations(doc, rng, n):
    """Random single and double edits anywhere in the document."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(doc, ())
    for _ in range(n):
        out = copy.deepcopy(doc)
        for _edit in range(rng.choice([1, 2])):
            path = rng.choice(paths)
            parent = out
            try:
                for step in path[:-1]:
                    parent = parent[step]
                if not path:
                    continue
                kind = rng.random()
                if kind < 0.6:
                    parent[path[-1]] = rng.choice(VALUES)
                elif kind < 0.8 and isinstance(parent, dict):
                    parent.pop(path[-1], None)
                elif isinstance(parent, dict):
                    parent[rng.choice(["感想", "No", "主管課", "x"])] = rng.choice(VALUES)
                elif isinstance(parent, list):
                    parent.append(rng.choice(VALUES))
            except (KeyError, IndexError, TypeError):
                continue
        yield out


def test_fast_check_is_never_more_lenient_than_jsonschema():
    rng = random.Random(7)
    for kind, docs in ((schema.RECORD, small_records()), (schema.PLAN, [small_plan()])):
        fast = schema.fast_validator(kind)
        slow = schema.validator(kind)
        assert fast is not None
        seen_invalid = 0
        for doc in docs:
            assert fast(doc) and slow.is_valid(doc)
            for mutated in mutations(doc, rng, 400):
                if not slow.is_valid(mutated):
                    seen_invalid += 1
                    assert not fast(mutated), mutated
        assert seen_invalid > 100


def test_unknown_keywords_fall_back_to_jsonschema():
    assert compile_schema({"type": "string", "format": "date"}) is None
    assert compile_schema({"type": "object", "properties": {"a": {"type": "string"}}}) is not None


def test_schemas_are_valid_draft_2020_12():
    from jsonschema import Draft202012Validator

    for kind in (schema.RECORD, schema.PLAN):
        Draft202012Validator.check_schema(schema.load(kind))
