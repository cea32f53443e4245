"""The rules: judging data handed to them, never fetching it.

The one checker (``validate``) that ``shinchoku check``, both git hooks and the add-in
share; what JSON Schema cannot say (``integrity``); who may change what (``access``);
what may stand in a pushed tree (``treeshape``); the yearly cycle's states
(``cycle``); field-level comparison and merge (``fielddiff``, ``merge``); the files
beside the records (``sidefiles``).  Never runs git (a contract in pyproject.toml).
"""
