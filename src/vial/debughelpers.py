"""Errors that explain, in debug mode only, a mistake that would otherwise puzzle.

Both are :class:`AssertionError` subclasses, so the debugger shows them with
their message instead of turning them into a plain 400 or a silent redirect.
"""

from __future__ import annotations

import typing as t

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import RequestRedirect

if t.TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from .request import Request

__all__ = ["DebugFilesKeyError", "FormDataRoutingRedirect"]


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` missing, in a request whose body was not multipart.

    The usual cause is a ``<form>`` with a file input but without
    ``enctype="multipart/form-data"``: the browser then sends only the file name.
    """

    def __init__(self, request: Request, key: str) -> None:
        message = (
            f"You tried to read the file {key!r} from request.files, but the request's"
            f" content type is {request.mimetype or 'missing'!r}, not 'multipart/form-data',"
            ' so no file contents were transmitted. Add enctype="multipart/form-data"'
            " to the <form> tag."
        )
        names = request.form.getlist(key)
        if names:
            shown = ", ".join(repr(name) for name in names)
            message += f" The browser sent the file name instead. This was submitted: {shown}."
        self.msg = message

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A form post redirected to its canonical URL with a code that drops the body.

    Raised in debug mode instead of a 301 or 302 answer to a request that is
    not GET, HEAD or OPTIONS: the client would repeat it as a GET without its data.
    """

    def __init__(self, request: Request) -> None:
        exc = request.routing_exception
        assert isinstance(exc, RequestRedirect)
        message = (
            f"A {request.method} request was sent to {request.url!r}, but routing"
            f" redirects it to the canonical URL {exc.new_url!r} with a {exc.code}, which"
            " makes the client repeat it as a GET without its body."
        )
        if f"{request.base_url}/" == exc.new_url.partition("?")[0]:
            message += (
                " The rule ends with a slash: send the request to the URL with the"
                " trailing slash, or define the rule without it."
            )
        message += " A 307 or 308 redirect keeps the body. (Only raised in debug mode.)"
        super().__init__(message)


class _FilesWithEnctypeHint(ImmutableMultiDict[str, "FileStorage"]):
    """An empty ``request.files`` whose missing keys raise :class:`DebugFilesKeyError`."""

    request: Request

    def __getitem__(self, key: str) -> FileStorage:
        try:
            return super().__getitem__(key)
        except KeyError:
            raise DebugFilesKeyError(self.request, key) from None


def files_with_enctype_hint(request: Request) -> ImmutableMultiDict[str, FileStorage]:
    """An empty files dict for ``request`` that explains a missing ``enctype`` on lookup."""
    files = _FilesWithEnctypeHint()
    files.request = request
    return files
