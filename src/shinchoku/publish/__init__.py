"""Publishing: what the records say, for readers outside the repository.

The exported sheet and tables (``export``, ``printout``), the dashboard (``report``), the
progress counts (``status``) and the coordinator's review as text, page and rows
(``reviewpage``, with the word diff ``diffwords``).  Reads records, the plan and what it
is handed; never changes them, and never asks git.
"""
