"""Errors and logs that explain, in debug mode, a mistake that would otherwise puzzle.

The errors are :class:`AssertionError` subclasses, so the debugger shows them
with their message instead of turning them into a plain 400 or a silent redirect.
"""

from __future__ import annotations

import typing as t

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import RequestRedirect

from .ctx import RequestContext, _current_ctx

if t.TYPE_CHECKING:
    from jinja2 import BaseLoader
    from werkzeug.datastructures import FileStorage

    from .app import Vial
    from .request import Request
    from .scaffold import Scaffold
    from .templating import _Source

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
]


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Text or bytes where the other was expected, reported with a clearer message."""


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
    """``request.files`` whose missing keys that ``request.form`` has raise DebugFilesKeyError."""

    request: Request

    def __getitem__(self, key: str) -> FileStorage:
        try:
            return super().__getitem__(key)
        except KeyError:
            if key not in self.request.form:
                raise
            raise DebugFilesKeyError(self.request, key) from None


def files_with_enctype_hint(
    request: Request, files: ImmutableMultiDict[str, FileStorage] | None = None
) -> ImmutableMultiDict[str, FileStorage]:
    """A copy of ``files`` (empty by default) whose lookups explain a missing ``enctype``."""
    hinted = _FilesWithEnctypeHint(files or ())
    hinted.request = request
    return hinted


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise :class:`DebugFilesKeyError` when ``request.form``
    has ``key``.

    ``request.files`` calls it by itself in debug mode for a body that is not multipart.
    """
    form, files = request._load_form_data()
    if not isinstance(files, _FilesWithEnctypeHint):
        # request.files reads the parsed (form, files) pair from this cache.
        request.__dict__["_form_data"] = (form, files_with_enctype_hint(request, files))


def explain_template_loading_attempts(
    app: Vial, template: str, attempts: list[tuple[BaseLoader, Scaffold, _Source | None]]
) -> None:
    """Log, through ``app.logger.info``, which loaders were asked for ``template``.

    ``attempts`` holds ``(loader, owner, source)`` in the order tried, with
    ``source`` the loader's ``(source, filename, uptodate)`` or ``None`` when it
    did not have the template. With ``EXPLAIN_TEMPLATE_LOADING`` set, the app's
    template loader calls it for every lookup.
    """
    lines = [f"Looking up template {template!r}:"]
    hits = 0
    for number, (loader, owner, source) in enumerate(attempts, 1):
        if source is None:
            outcome = "not found"
        else:
            hits += 1
            outcome = f"found at {source[1] or '<no filename>'!r}"
            if hits > 1:
                outcome += " (hidden by the earlier match)"
        lines.append(f"  {number}. {_describe_loader(app, owner, loader)}: {outcome}")
    if hits == 0:
        lines.append("  No loader has this template.")
    elif hits > 1:
        lines.append("  Several loaders have this template; the first one is used.")
    if hits != 1:
        lines.extend(_blueprint_hint())
    app.logger.info("\n".join(lines))


def _blueprint_hint() -> list[str]:
    """A pointer to the blueprint handling the current request, if one is."""
    ctx = _current_ctx()
    if isinstance(ctx, RequestContext) and ctx.request.blueprint is not None:
        return [
            f"  The request is handled by blueprint {ctx.request.blueprint!r}:"
            " is the template in that blueprint's template_folder?"
        ]
    return []


def _describe_loader(app: Vial, owner: Scaffold, loader: BaseLoader) -> str:
    kind = "application" if owner is app else "blueprint"
    where = getattr(loader, "searchpath", None)
    detail = f" searching {list(where)!r}" if where else f" ({type(loader).__name__})"
    return f"{kind} {getattr(owner, 'name', owner.import_name)!r}{detail}"
