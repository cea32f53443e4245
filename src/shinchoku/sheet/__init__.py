"""The sheet: the staff workbook and the published sheet's layout, without Excel.

``published`` is the 進行管理シート's layout (written by export, read back by the
importer); ``sheetmodel`` is the input workbook's columns and the logic that turns its
cell values into edits and records into cell values; ``workbook`` writes the input
workbook; ``progressview`` shows the yearly cycle's 提出状況.  Works on plain values:
the add-in layer reads and writes the cells.
"""
