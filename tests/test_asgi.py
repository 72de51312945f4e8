"""The ASGI interface itself: lifespan, body reading, streaming, unknown scopes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vial import Vial, request


class Recorder:
    """A fake ASGI server side: feeds messages, records what the app sends."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.incoming = list(messages)
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.incoming:
            return self.incoming.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def http_scope(
    path: str = "/", method: str = "GET", headers: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers or [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def run(app: Vial, scope: dict[str, Any], messages: list[dict[str, Any]]) -> Recorder:
    recorder = Recorder(messages)
    asyncio.run(app(scope, recorder.receive, recorder.send))
    return recorder


def body_of(recorder: Recorder) -> bytes:
    return b"".join(m.get("body", b"") for m in recorder.sent if m["type"] == "http.response.body")


def test_lifespan_runs_serving_hooks(app: Vial) -> None:
    events: list[str] = []

    @app.before_serving
    async def start() -> None:
        events.append("start")

    @app.after_serving
    def stop() -> None:
        events.append("stop")

    recorder = run(
        app, {"type": "lifespan"}, [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    )
    assert [m["type"] for m in recorder.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert events == ["start", "stop"]


def test_lifespan_startup_failure_is_reported(app: Vial) -> None:
    @app.before_serving
    def broken() -> None:
        raise RuntimeError("no database")

    recorder = run(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}])
    assert recorder.sent[0]["type"] == "lifespan.startup.failed"
    assert "no database" in recorder.sent[0]["message"]


def test_body_in_several_messages(app: Vial) -> None:
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    recorder = run(
        app,
        http_scope(method="POST"),
        [
            {"type": "http.request", "body": b"hello ", "more_body": True},
            {"type": "http.request", "body": b"world", "more_body": False},
        ],
    )
    assert recorder.sent[0]["status"] == 200
    assert body_of(recorder) == b"hello world"


def test_body_over_limit_is_413_without_reading_it_all(app: Vial) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 8
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    messages = [{"type": "http.request", "body": b"x" * 5, "more_body": True} for _ in range(100)]
    recorder = run(app, http_scope(method="POST"), messages)
    assert recorder.sent[0]["status"] == 413
    assert len(recorder.incoming) > 90


def test_declared_length_over_limit_is_413(app: Vial) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 8
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    scope = http_scope(method="POST", headers=[(b"content-length", b"1000")])
    recorder = run(app, scope, [{"type": "http.request", "body": b"x" * 1000}])
    assert recorder.sent[0]["status"] == 413


def test_disconnect_before_body_ends(app: Vial) -> None:
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    recorder = run(
        app,
        http_scope(method="POST"),
        [{"type": "http.request", "body": b"x", "more_body": True}, {"type": "http.disconnect"}],
    )
    assert recorder.sent == []


def test_sync_generator_streams_in_chunks(app: Vial) -> None:
    @app.route("/")
    def index() -> object:
        return (f"chunk{i};" for i in range(3))

    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    bodies = [m["body"] for m in recorder.sent if m["type"] == "http.response.body"]
    assert bodies == [b"chunk0;", b"chunk1;", b"chunk2;", b""]


def test_async_generator_streams(app: Vial) -> None:
    @app.route("/")
    async def index() -> object:
        async def generate():  # type: ignore[no-untyped-def]
            for i in range(2):
                yield f"a{i}"

        return app.response_class(generate(), mimetype="text/plain")

    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert body_of(recorder) == b"a0a1"


def test_websocket_scope_is_refused(app: Vial) -> None:
    recorder = run(app, {"type": "websocket", "path": "/"}, [{"type": "websocket.connect"}])
    assert recorder.sent == [{"type": "websocket.close", "code": 1003}]


def test_unknown_scope_type_raises(app: Vial) -> None:
    with pytest.raises(ValueError, match="scope type"):
        run(app, {"type": "mystery"}, [])


def test_request_environ_is_available_under_asgi(app: Vial) -> None:
    app.add_url_rule("/", "index", lambda: request.environ["HTTP_HOST"])
    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert body_of(recorder) == b"testserver"


def test_before_serving_without_lifespan(app: Vial) -> None:
    started: list[str] = []

    @app.before_serving
    async def start() -> None:
        started.append("async")

    app.add_url_rule("/", "index", lambda: "x")
    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert body_of(recorder) == b"x"
    run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert started == ["async"]


def test_after_serving_at_exit_without_lifespan(app: Vial, monkeypatch: pytest.MonkeyPatch) -> None:
    import atexit

    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    stopped: list[str] = []
    app.after_serving(lambda: stopped.append("stopped"))
    app.add_url_rule("/", "index", lambda: "x")
    run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert len(registered) == 1
    registered[0]()  # type: ignore[operator]
    assert stopped == ["stopped"]
