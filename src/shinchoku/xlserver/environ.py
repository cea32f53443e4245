"""The environment xlwings Server is imported with (see :mod:`shinchoku.xlserver.app`)."""

from __future__ import annotations

import os
from pathlib import Path

from shinchoku.errors import ShinchokuError
from shinchoku.xlserver import workspace

PROJECT = Path(__file__).resolve().parent / "project"

DEFAULTS = {
    "XLWINGS_PROJECT_NAME": "進捗管理",
    "XLWINGS_AUTH_PROVIDERS": '["custom"]',
    "XLWINGS_ENVIRONMENT": "prod",
    "XLWINGS_ENABLE_SOCKETIO": "false",        # no streaming functions; one worker or many alike
    "XLWINGS_ENABLE_HOTRELOAD": "false",
    "XLWINGS_ENABLE_EXAMPLES": "false",
    "XLWINGS_ENABLE_HTMX": "false",
    "XLWINGS_CORS_ALLOW_ORIGINS": "[]",
    # Stable manifest ids of our own (the vendor's defaults are shared by every project)
    "XLWINGS_MANIFEST_ID_PROD": "6f1d2c3b-8a4e-4b7f-9c2d-51e0a7b3c9d4",
    "XLWINGS_MANIFEST_ID_DEV": "2b7e9f10-4c3a-4d8e-a1f5-7c6b0e9d3a28",
}


class LicenceMissing(ShinchokuError):
    """No xlwings licence key: the server does not start (the message says how to choose)."""


LICENCE_MISSING = """\
xlwings のライセンスキー（XLWINGS_LICENSE_KEY）が設定されていないため、起動できません。
xlwings Server と xlwings の remote engine は「PolyForm Noncommercial 1.0.0」か
「xlwings PRO EULA」のもとで使えます。どちらで使うかを決めて、{env} に
  XLWINGS_LICENSE_KEY=noncommercial      （非商用の条件に当てはまると判断した場合）
  XLWINGS_LICENSE_KEY=（有償の鍵）          （xlwings PRO の鍵がある場合）
のどちらかを書くか、同じ環境変数を設定してから、もう一度起動してください。
判断の材料は docs/server.md の「ライセンス」にあります（鍵は git に入れないでください）。"""


def configure(data: Path | None = None) -> Path:
    """Set the environment xlwings Server is imported with; returns the data folder."""
    data = workspace.prepare_data_dir(Path(data) if data else workspace.default_data_dir())
    os.environ[workspace.ENV_DATA] = str(data)
    os.environ["XLWINGS_PROJECT_DIR"] = str(PROJECT)
    env_file = data / workspace.SETTINGS_FILE
    os.environ.setdefault("DOTENV_PATH", str(env_file))
    from dotenv import dotenv_values

    from_file = {k: v for k, v in dotenv_values(os.environ["DOTENV_PATH"]).items() if v is not None}
    for key, value in from_file.items():
        if key.startswith("SHINCHOKU_") or key == "XLWINGS_LICENSE_KEY":
            os.environ.setdefault(key, value)     # xlwings reads its key at import time
    for key, value in DEFAULTS.items():
        if key not in os.environ and key not in from_file:
            os.environ[key] = value
    if not os.environ.get("XLWINGS_LICENSE_KEY", "").strip():
        raise LicenceMissing(LICENCE_MISSING.format(env=os.environ["DOTENV_PATH"]))
    return data
