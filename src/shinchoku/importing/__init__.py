"""Importing the published progress sheet into records, accounting for every cell.

``importer`` reads the tab-separated export of the published PDF the way a careful
clerk would (``importrules``), honours the coordinator's corrections
(``importoverrides``) and writes ``IMPORT_REPORT.md`` (``importreport``); ``xlsxgrid``
reads an ``.xlsx`` in the published layout, after ``xlsxguard`` has checked that it is
safe to open; ``sheetimport`` is the whole import into a repository (what
``shinchoku import-sheet`` and ``shinchoku init --sheet`` call).
"""
