"""The ASGI application: the vendor's xlwings Server with shinchoku's project folder.

``uvicorn shinchoku.xlserver.app:app`` (what ``shinchoku serve`` runs).  xlwings Server
reads its customisations from a project folder (``XLWINGS_PROJECT_DIR``): here
``shinchoku/xlserver/project`` — the custom scripts (the add-in's buttons), the custom
auth provider (per-user tokens), the Japanese manifest, ribbon and task pane.  Its
settings come from ``XLWINGS_*`` variables and the data folder's ``server.env``
(``DOTENV_PATH``); the defaults below only fill what the operator left unset.

Two additions to the vendor's app, nothing else: refusals (401 and the like) are sent as
plain text, because xlwings' VBA client shows the body of an error reply as it is (a
JSON ``{"detail": …}`` would reach staff as JSON); and ``/health`` says whether the
central repository can be read, for a load balancer or monitoring.
"""

from __future__ import annotations

import os

from shinchoku.xlserver import workspace
from shinchoku.xlserver.environ import configure


def build():
    """The ASGI app (configure first)."""
    from fastapi.responses import JSONResponse, PlainTextResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from xlwings_server import main as vendor

    from shinchoku.xlserver import messages

    async def plain_refusal(request, exc: StarletteHTTPException):
        text = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 403 and not any("\u3040" <= ch <= "\u9fff" for ch in text):
            text = messages.FORBIDDEN
        return PlainTextResponse(text, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    vendor.app.add_exception_handler(StarletteHTTPException, plain_refusal)

    # the manifest and the task pane are generated from the button table
    import json

    from xlwings_server.templates import templates

    from shinchoku.xlserver.buttons import BUTTONS, GROUPS

    templates.env.globals["shinchoku_buttons"] = BUTTONS
    templates.env.globals["shinchoku_groups"] = GROUPS
    templates.env.globals["shinchoku_buttons_json"] = json.dumps(
        [{"id": b.id, "label": b.label} for b in BUTTONS], ensure_ascii=False).replace("<", "\\u003c")

    @vendor.app.get("/health")
    async def health():
        from shinchoku.store import GitError, Store
        from shinchoku.xlserver import runtime

        try:
            central = runtime.pool().central
            with Store(central) as store:
                head = store.rev("HEAD") or store.rev("main")
        except (GitError, OSError) as exc:
            return JSONResponse({"status": "error", "central": str(getattr(exc, "message", exc))}, status_code=503)
        return {"status": "ok", "central": head}

    return vendor.main_app


configure(os.environ.get(workspace.ENV_DATA) or None)
app = build()
