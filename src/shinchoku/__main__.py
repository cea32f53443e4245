"""`python -m shinchoku …` (what git hooks and drivers call when no `shinchoku` is on PATH)."""

import sys

from shinchoku.cli import main

sys.exit(main())
