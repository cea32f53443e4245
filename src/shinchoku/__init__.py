"""shinchoku (進捗): action-plan progress sheets as schema-validated YAML records in git.

The package is split by layer (see docs/architecture.md); each subpackage's docstring
says what it owns.  Lower layers never import higher ones, which
``[tool.importlinter]`` in pyproject.toml writes down and the test suite checks.
"""

from pathlib import Path

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """A folder of the project's that the wheel carries as ``shinchoku/_<name>``
    (``schema``, ``hooks``); running from a checkout, the checkout's ``<name>/``."""
    packaged = PACKAGE_DIR / f"_{name}"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parents[1] / name
