"""The ASGI floor: a hand-written callable around :func:`raw_core.respond`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bench.apps.raw_core import respond

SKIP = frozenset({"session"})

Message = dict[str, Any]


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Answer the benchmark scenarios as a bare ASGI application (with lifespan)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    if scope["method"] == "POST":
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
    cookie = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookie = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    status, headers, data = respond(
        scope["path"], scope["query_string"].decode("latin-1"), cookie, if_none_match, body
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": data})
