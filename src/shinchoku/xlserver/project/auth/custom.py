"""xlwings Server's "custom" auth provider: the per-user tokens of ``users.json``.

Not cached: a revoked token is refused on the very next request (the user list is
reread only when its file changes, so a lookup is one stat and one hash)."""

from fastapi import HTTPException, status
from xlwings_server.models import User

from shinchoku.xlserver import messages, runtime


async def validate_token(token_string: str):
    if not (token_string or "").strip():
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=messages.NO_TOKEN)
    user = runtime.users().by_token(token_string)
    if user is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=messages.BAD_TOKEN)
    return User(id=user.login, name=user.name, email=user.email)
