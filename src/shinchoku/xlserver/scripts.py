"""The add-in's buttons as xlwings Server custom scripts, registered from the table of
the RunPython add-in (``shinchoku.addin.BUTTONS``): a button added there is offered by
the server too, with no line here.

Each script is ``async`` and runs the button in a worker thread: xlwings Server calls a
synchronous script on its event loop, where one 送信 would hold up every other request.
"""

import asyncio

import xlwings as xw
from xlwings_server.models import CurrentUser

from shinchoku import addin
from shinchoku.xlserver import runtime


def own_app(book: xw.Book) -> xw.Book:
    """Give the request's book an App of its own.

    xlwings' remote engine has one App per process, and ``book.app.alert`` and
    ``book.app.selection`` act on that App's *active* book — the one opened last.  With
    requests running side by side, 山田's alert would land in 佐藤's reply and 履歴 would
    read someone else's selection.  Moved into its own App (made the way the engine makes
    one, not added to the process's list of apps), the book is the active book of its App
    for as long as the request runs; xlwings Server's ``book.close()`` still finds it."""
    from xlwings.pro import _xlremote

    impl = book.impl
    shared = impl.books
    app = _xlremote.App(apps=shared.app.apps, add_book=False)
    if impl in shared.books:
        shared.books.remove(impl)
    if shared._active is impl:
        shared._active = shared.books[-1] if shared.books else None
    app.books.books.append(impl)
    app.books._active = impl
    impl.books = app.books
    return book


def _script(control_id: str):
    async def run(book: xw.Book, current_user: CurrentUser):
        own_app(book)            # before the first await: no other request runs in between
        await asyncio.to_thread(runtime.press, control_id, book, current_user)

    run.__name__ = run.__qualname__ = control_id
    run.__doc__ = addin.BUTTONS[control_id].__doc__
    return xw.script(run)


def register(namespace: dict) -> list[str]:
    """Put one script per add-in button into ``namespace`` (the custom_scripts module)."""
    for control_id in addin.BUTTONS:
        namespace[control_id] = _script(control_id)
    return list(addin.BUTTONS)
