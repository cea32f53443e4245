"""One add-in button press as its own process (what pressing 取得 or 送信 costs the user,
interpreter start included): ``python bench/addin_step.py pull|push PAYLOAD.json OUT.json``
runs ``shinchoku.addin.pull`` / ``push`` on the book Excel would send (xlwings' remote
engine) and writes the actions it answers with."""

import json
import os
import sys

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402

from shinchoku import addin  # noqa: E402

with open(sys.argv[2], encoding="utf-8") as fh:
    payload = json.load(fh)
book = xw.Book(json=payload)
getattr(addin, sys.argv[1])(book)
with open(sys.argv[3], "w", encoding="utf-8") as fh:
    json.dump(book.json(), fh, ensure_ascii=False)
