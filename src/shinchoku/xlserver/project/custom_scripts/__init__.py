"""xlwings Server's custom scripts: the add-in's buttons (see shinchoku.xlserver.scripts)."""

from shinchoku.xlserver.scripts import register

SCRIPTS = register(globals())
