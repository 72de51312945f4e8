"""Contexts and context-local proxies: app/request contexts, threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import threading

import pytest

from vial import (
    Vial,
    appcontext_popped,
    appcontext_pushed,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    request_finished,
    request_started,
    session,
    stream_with_context,
)
from vial.testing import VialClient


def test_app_context_provides_current_app_and_g(app: Vial) -> None:
    assert not has_app_context()
    with app.app_context():
        assert has_app_context()
        assert not has_request_context()
        assert current_app.name == app.name
        assert current_app._get_current_object() is app
        g.value = 1
        assert g.value == 1
        assert "value" in g
        assert g.pop("value") == 1
    with app.app_context():
        assert "value" not in g


def test_outside_contexts_errors_are_clear() -> None:
    with pytest.raises(RuntimeError, match="outside of application context"):
        current_app.name
    with pytest.raises(RuntimeError, match="outside of application context"):
        g.x = 1
    with pytest.raises(RuntimeError, match="outside of request context"):
        session.get("x")
    assert not current_app
    assert not g


def test_request_context_shares_g_with_enclosing_app_context(app: Vial) -> None:
    with app.app_context():
        g.shared = "yes"
        with app.test_request_context("/"):
            assert g.shared == "yes"
            assert has_request_context()
            assert request.path == "/"
        assert g.shared == "yes"


def test_teardown_appcontext_runs(app: Vial) -> None:
    torn: list[object] = []
    app.teardown_appcontext(torn.append)
    with app.app_context():
        pass
    assert torn == [None]
    with pytest.raises(ZeroDivisionError), app.app_context():
        1 / 0
    assert isinstance(torn[-1], ZeroDivisionError)


def test_contexts_are_isolated_between_threads(app: Vial) -> None:
    seen: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        with app.test_request_context(f"/?who={name}"):
            barrier.wait()
            seen[name] = request.args["who"]

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "a", "b": "b"}


def test_contexts_are_isolated_between_tasks(app: Vial) -> None:
    async def handle(name: str) -> str:
        with app.test_request_context(f"/?who={name}"):
            await asyncio.sleep(0.01)
            return request.args["who"]

    async def main() -> list[str]:
        return list(await asyncio.gather(handle("a"), handle("b")))

    assert asyncio.run(main()) == ["a", "b"]


def test_copy_current_request_context(app: Vial, client: VialClient) -> None:
    results: list[str] = []

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            results.append(request.args["q"])

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return "ok"

    client.get("/?q=from-thread")
    assert results[-1] == "from-thread"


def test_stream_with_context(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> object:
        @stream_with_context
        def generate():  # type: ignore[no-untyped-def]
            yield "hello "
            yield request.args["name"]

        return generate()

    assert client.get("/?name=stream").text == "hello stream"


def test_with_client_preserves_the_context(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: "x")
    with client:
        client.get("/?a=1")
        assert request.args["a"] == "1"
    assert not has_request_context()


def test_signals(app: Vial, client: VialClient) -> None:
    events: list[str] = []

    def started(sender: Vial, **extra: object) -> None:
        events.append("started")

    def finished(sender: Vial, response: object, **extra: object) -> None:
        events.append("finished")

    def pushed(sender: Vial, **extra: object) -> None:
        events.append("pushed")

    def popped(sender: Vial, **extra: object) -> None:
        events.append("popped")

    app.add_url_rule("/", "index", lambda: "x")
    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
    ):
        client.get("/")
    assert events == ["pushed", "started", "finished", "popped"]


def test_stream_with_context_accepts_any_iterable(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: stream_with_context(["a", "b"]))
    assert client.get("/").text == "ab"


def test_with_client_keeps_the_last_context_after_redirects(app: Vial, client: VialClient) -> None:
    from vial import redirect

    @app.route("/start")
    def start() -> object:
        session["start"] = True
        return redirect("/end")

    @app.route("/end")
    def end() -> str:
        session["end"] = True
        return "end"

    with client:
        client.get("/start", follow_redirects=True)
        assert request.path == "/end"
        assert session["start"] is True
        assert session["end"] is True


def test_a_context_pushed_twice_tears_down_once(app: Vial) -> None:
    torn: list[str] = []
    app.teardown_appcontext(lambda exc: torn.append("app"))
    app.teardown_request(lambda exc: torn.append("request"))
    app_ctx = app.app_context()
    with app_ctx:
        with app_ctx:
            g.x = 1
        assert torn == []
        assert g.x == 1
    assert torn == ["app"]
    assert not has_app_context()

    torn.clear()
    request_ctx = app.test_request_context("/")
    request_ctx.push()
    request_ctx.push()
    request_ctx.pop()
    assert torn == []
    assert request.path == "/"
    request_ctx.pop()
    assert torn == ["request", "app"]
    assert not has_request_context()
    # Pushed again after being popped: a fresh outermost push.
    with request_ctx:
        assert request.path == "/"
    assert torn == ["request", "app", "request", "app"]


def test_popping_a_context_that_is_not_pushed_raises(app: Vial) -> None:
    torn: list[str] = []
    app.teardown_appcontext(lambda exc: torn.append("app"))
    with pytest.raises(RuntimeError, match="not pushed"):
        app.app_context().pop()
    with pytest.raises(RuntimeError, match="not pushed"):
        app.test_request_context("/").pop()
    assert torn == []


def test_popping_contexts_out_of_order_is_an_error(app: Vial) -> None:
    outer = app.app_context()
    inner = app.test_request_context("/")
    outer.push()
    inner.push()
    with pytest.raises(AssertionError, match="Popped wrong context"):
        outer.pop()
    # As in Flask, the variable is still reset to what it was before ``outer``.
    assert not has_app_context()


def test_teardown_signals_reach_receivers_connected_after_the_first_request(
    app: Vial, client: VialClient
) -> None:
    from vial.signals import appcontext_tearing_down, request_tearing_down

    app.add_url_rule("/", "index", lambda: "ok")
    client.get("/")  # setup is frozen, with no teardown function
    seen: list[tuple[str, object]] = []

    def on_request(sender: Vial, exc: object = None, **extra: object) -> None:
        seen.append(("request", exc))

    def on_appcontext(sender: Vial, exc: object = None, **extra: object) -> None:
        seen.append(("appcontext", exc))

    with request_tearing_down.connected_to(on_request, app):
        with appcontext_tearing_down.connected_to(on_appcontext, app):
            assert client.get("/").text == "ok"
    assert seen == [("request", None), ("appcontext", None)]


def test_uploaded_files_are_closed_after_the_request(app: Vial, client: VialClient) -> None:
    import io

    uploads: list[object] = []

    @app.post("/")
    def upload() -> str:
        uploads.append(request.files["file"])
        return "ok"

    client.get("/missing")  # setup is frozen, with no teardown function
    rv = client.post("/", data={"file": (io.BytesIO(b"data"), "a.txt")})
    assert rv.text == "ok"
    assert uploads[0].stream.closed  # type: ignore[attr-defined]
