"""The model: what a record, a report, a field and the plan are, and how they are stored.

Owns the record files' paths and canonical YAML (``records``, ``yamlio``), the plan
(``plan``), the JSON Schemas and what is read from them (``schema``, ``fastcheck``), and
the small text rules shared by the sheet and the importer (``celltext``, ``textwidth``).
Knows nothing of git, Excel or the user: it never imports a layer above it.
"""
