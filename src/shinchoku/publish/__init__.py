"""Publishing: what the records say, for readers outside the repository.

The exported sheet and tables (``export``, ``printout``), the dashboard (``report``) and
the progress counts (``status``).  Reads records and the plan; never changes them.
"""
