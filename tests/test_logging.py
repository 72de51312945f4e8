"""app.logger: named after the app, a default handler, DEBUG in debug mode."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from vial import Vial
from vial.logging import default_handler, has_level_handler


@pytest.fixture(autouse=True)
def clean_loggers() -> Iterator[None]:
    yield
    for name in ("logging_app", "debug_app"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)


def unconfigure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logging as a fresh process has it: no handlers on the root logger.

    Called inside the test, after pytest has added its capture handlers.
    """
    monkeypatch.setattr(logging.getLogger(), "handlers", [])


def test_logger_name_and_default_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    unconfigure(monkeypatch)
    app = Vial("logging_app")
    assert app.logger.name == "logging_app"
    assert default_handler in app.logger.handlers
    assert app.logger.level == logging.NOTSET


def test_debug_mode_sets_debug_level() -> None:
    app = Vial("debug_app")
    app.debug = True
    assert app.logger.level == logging.DEBUG


def test_no_default_handler_when_logging_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    monkeypatch.setattr(root, "handlers", [handler])
    app = Vial("logging_app")
    assert has_level_handler(app.logger)
    assert default_handler not in app.logger.handlers


def test_errors_are_logged_to_wsgi_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    unconfigure(monkeypatch)
    app = Vial("logging_app")
    errors = io.StringIO()

    @app.route("/")
    def index() -> str:
        raise RuntimeError("broken view")

    rv = app.test_client().get("/", errors_stream=errors)
    assert rv.status_code == 500
    output = errors.getvalue()
    assert "ERROR in app: Exception on / [GET]" in output
    assert "RuntimeError: broken view" in output


def test_wsgi_errors_stream_follows_the_request() -> None:
    import sys

    from vial.logging import wsgi_errors_stream

    app = Vial("logging_app")
    stream = io.StringIO()
    assert wsgi_errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]
    with app.test_request_context(errors_stream=stream):
        assert wsgi_errors_stream._get_current_object() is stream  # type: ignore[attr-defined]
