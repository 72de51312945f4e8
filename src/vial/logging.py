"""The app's logger: named after the app, with a stderr handler by default."""

from __future__ import annotations

import logging
import sys
import typing as t

from .globals import request

if t.TYPE_CHECKING:
    from .app import Vial

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]


class _WsgiErrorsStream:
    """A file-like object writing to the request's ``wsgi.errors``, else to stderr."""

    def _get_current_object(self) -> t.TextIO:
        """The stream written to now: the request's ``wsgi.errors``, else stderr."""
        try:
            return request.environ["wsgi.errors"]  # type: ignore[no-any-return]
        except (RuntimeError, KeyError):
            return sys.stderr

    def write(self, text: str) -> int:
        return self._get_current_object().write(text)

    def flush(self) -> None:
        self._get_current_object().flush()


#: Writes to the request's ``wsgi.errors`` stream, or to stderr outside a request.
wsgi_errors_stream: t.TextIO = t.cast(t.TextIO, _WsgiErrorsStream())

#: The handler added to an app's logger when logging has not been configured.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def has_level_handler(logger: logging.Logger) -> bool:
    """True when a handler on ``logger`` or an ancestor handles its effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: Vial) -> logging.Logger:
    """Return the logger named ``app.name``, at DEBUG level in debug mode."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
