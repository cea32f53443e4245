"""A spreadsheet cell's value as record text: the one rule both the sheet importer
(openpyxl) and the add-in (xlwings) read cells by."""

from __future__ import annotations

import datetime as _dt
from typing import Any


def cell_text(value: Any) -> str:
    """Numbers typed into Excel come back as their digits (``5``, not ``5.0``), dates as
    ISO dates, TRUE/FALSE as written, line ends as ``\\n``; a cell holding nothing or only
    spaces is ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, _dt.datetime):
        value = value.date() if value.time() == _dt.time(0) else value
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text if text.strip() else ""
