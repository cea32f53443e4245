"""What one server process holds: its data folder, user list and clone pool; and
:func:`press`, which runs one of the add-in's buttons for the signed-in user.

The button is the RunPython add-in's own function (``shinchoku.addin.BUTTONS``), run on
the ``xw.Book`` xlwings Server built from the client's payload: one implementation,
two transports.  Only the settings differ: instead of the PC's config file, the user's
name, e-mail and department from the server's user list and a working clone of the
server's; and every git the button runs names the user to the central repository's
hook (``REMOTE_USER``), which checks them against ``records/access.yaml``.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from shinchoku import addin
from shinchoku.errors import ShinchokuError, log_unexpected
from shinchoku.sharing import settings as settings_mod
from shinchoku.store import environment
from shinchoku.xlserver import workspace
from shinchoku.words import SHEET_UNCHANGED
from shinchoku.xlserver.users import User, Users

log = logging.getLogger("shinchoku.xlserver")


@functools.lru_cache(maxsize=None)
def data_dir() -> Path:
    return workspace.prepare_data_dir(workspace.default_data_dir())


@functools.lru_cache(maxsize=None)
def users() -> Users:
    return Users(data_dir())


@functools.lru_cache(maxsize=None)
def pool() -> workspace.Pool:
    from shinchoku.store import serialize_pushes

    serialize_pushes()            # one push at a time from this process: no hook run wasted on a lost race
    central, _made = workspace.ensure_central(data_dir())
    return workspace.Pool(central, data_dir())


def identify(current_user: Any) -> User | None:
    """The server's user for xlwings Server's signed-in user: by id (token sign-in) or,
    for Entra ID and other providers, by e-mail address."""
    login = getattr(current_user, "id", None)
    found = users().get(login) if login else None
    if found is None and getattr(current_user, "email", None):
        email = current_user.email.lower()
        found = next((u for u in users().all() if u.email.lower() == email), None)
    return found


def press(control_id: str, book, current_user: Any) -> None:
    """Run the button ``control_id`` on ``book`` as ``current_user`` (in a worker thread)."""
    button = addin.BUTTONS.get(control_id)
    user = identify(current_user)
    if button is None:
        addin.alert(book, f"「{control_id}」というボタンはありません", critical=True)
        return
    if user is None:
        addin.alert(book, "サーバーの利用者一覧にあなたが登録されていないため、実行できません。"
                           f"管理者に登録を依頼してください。{SHEET_UNCHANGED}。", critical=True)
        return
    log.info("%s pressed %s", user.login, control_id)
    try:
        with pool().clone() as clone:
            given = settings_mod.Settings(path=Path(f"サーバーの利用者一覧（{user.login}）"), name=user.name,
                                          email=user.email, department=user.department, repo=str(clone))
            with settings_mod.given(given), environment(REMOTE_USER=user.login):
                _fresh(clone)
                button(book)
    except ShinchokuError as exc:       # a clone that could not be made or brought up to date
        addin.alert(book, f"{exc}\n{SHEET_UNCHANGED}。", critical=True)
    except Exception as exc:      # noqa: BLE001 - the boundary of a server request: logged, said in Japanese
        addin.alert(book, log_unexpected(exc, f"serve {control_id} ({user.login})") + f"\n{SHEET_UNCHANGED}。",
                     critical=True)


def _fresh(clone: Path) -> None:
    """Put a pooled clone at the central head, whatever the last request left in it: the
    server's clones hold no work of their own (an unsent commit is kept under
    ``refs/shinchoku/unsent`` by sync.publish), so nothing of a request can reach the
    next one — not even as a "local commit" that 取得 would merge into someone's sheet."""
    from shinchoku.store import Store

    with Store(clone) as store:
        store.fetch()
        target = store.rev(store.upstream())
        if target and store.head() != target:
            store.reset_to(target)
