"""Core features not covered elsewhere: domains, flash, signals, test-client helpers."""

from __future__ import annotations

import io
import os
import tracemalloc

import pytest

from vial import (
    Blueprint,
    Vial,
    flash,
    get_flashed_messages,
    got_request_exception,
    message_flashed,
    request,
    session,
    url_for,
)
from vial.testing import VialClient


def test_subdomain_matching(app: Vial) -> None:
    app.subdomain_matching = True
    app.config["SERVER_NAME"] = "example.com"
    app.add_url_rule("/", "home", lambda: "home")
    app.add_url_rule("/", "api_index", lambda: "api", subdomain="api")
    app.add_url_rule("/u", "user", lambda user: f"user {user}", subdomain="<user>")
    client = app.test_client()
    assert client.get("/").text == "home"
    assert client.get("/", subdomain="api").text == "api"
    assert client.get("/u", subdomain="ann").text == "user ann"
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        assert client.get("/", base_url="http://other.org/").status_code == 404
    with app.test_request_context():
        assert url_for("api_index") == "http://api.example.com/"
        assert url_for("home") == "/"


def test_host_matching() -> None:
    app = Vial(__name__, host_matching=True, static_host="static.example.com")
    app.add_url_rule("/", "a", lambda: "a", host="a.example.com")
    app.add_url_rule("/", "b", lambda: "b", host="b.example.com")
    client = app.test_client()
    assert client.get("/", base_url="http://a.example.com/").text == "a"
    assert client.get("/", base_url="http://b.example.com/").text == "b"
    assert client.get("/", base_url="http://c.example.com/").status_code == 404
    with app.test_request_context(base_url="http://a.example.com/"):
        assert url_for("a") == "/"
        assert url_for("b") == "http://b.example.com/"


def test_host_matching_requires_static_host() -> None:
    with pytest.raises(AssertionError, match="static_host"):
        Vial(__name__, host_matching=True)


def test_trusted_hosts(app: Vial, client: VialClient) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.example"]
    app.add_url_rule("/", "index", lambda: request.host)
    assert client.get("/", base_url="http://good.example/").text == "good.example"
    assert client.get("/", base_url="http://evil.example/").status_code == 400


def test_flash_messages(app: Vial, client: VialClient) -> None:
    flashed: list[tuple[str, str]] = []

    def record(sender: Vial, message: str, category: str, **extra: object) -> None:
        flashed.append((category, message))

    @app.route("/add")
    def add() -> str:
        flash("saved")
        flash("careful", "warning")
        return "ok"

    @app.route("/show")
    def show() -> dict[str, object]:
        return {
            "all": get_flashed_messages(with_categories=True),
            "warnings": get_flashed_messages(category_filter=["warning"]),
        }

    with message_flashed.connected_to(record, app):
        client.get("/add")
    assert flashed == [("message", "saved"), ("warning", "careful")]
    assert client.get("/show").json == {
        "all": [["message", "saved"], ["warning", "careful"]],
        "warnings": ["careful"],
    }
    assert client.get("/show").json == {"all": [], "warnings": []}


def test_got_request_exception_signal(app: Vial, client: VialClient) -> None:
    app.testing = False
    seen: list[BaseException] = []

    def record(sender: Vial, exception: BaseException, **extra: object) -> None:
        seen.append(exception)

    app.add_url_rule("/", "index", lambda: 1 / 0)
    with got_request_exception.connected_to(record, app):
        assert client.get("/").status_code == 500
    assert isinstance(seen[0], ZeroDivisionError)


def test_session_transaction(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: str(session.get("user")))
    with client.session_transaction() as sess:
        sess["user"] = "ann"
    assert client.get("/").text == "ann"
    with client.session_transaction() as sess:
        assert sess["user"] == "ann"


def test_blueprint_static_folder(app: Vial, client: VialClient) -> None:
    here = os.path.dirname(__file__)
    bp = Blueprint(
        "assets",
        __name__,
        static_folder=os.path.join(here, "static"),
        static_url_path="/assets",
        url_prefix="/bp",
    )
    app.register_blueprint(bp)
    rv = client.get("/bp/assets/site.css")
    assert rv.status_code == 200
    assert rv.data.startswith(b"body")
    rv.close()
    with app.test_request_context():
        assert url_for("assets.static", filename="site.css") == "/bp/assets/site.css"


def test_request_stream(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: request.stream.read(), methods=["POST"])
    assert client.post(
        "/", data=b"streamed body", content_type="application/octet-stream"
    ).data == (b"streamed body")


def test_shell_context(app: Vial) -> None:
    app.shell_context_processor(lambda: {"answer": 42})
    context = app.make_shell_context()
    assert context["app"] is app
    assert context["answer"] == 42


@pytest.mark.parametrize("use_asgi", [False, True])
def test_large_static_file_streams_with_flat_memory(
    app: Vial, tmp_path: object, use_asgi: bool
) -> None:
    size = 50 * 1024 * 1024
    path = os.path.join(str(tmp_path), "big.bin")
    with open(path, "wb") as f:
        f.truncate(size)
    from vial import send_file

    app.add_url_rule("/big", "big", lambda: send_file(path))
    if use_asgi:
        from tests.test_asgi import Recorder, http_scope

        received = 0
        peak = 0

        class Counter(Recorder):
            async def send(self, message: dict[str, object]) -> None:
                nonlocal received
                body = message.get("body", b"")
                received += len(body)  # type: ignore[arg-type]

        import asyncio

        recorder = Counter([{"type": "http.request", "body": b""}])
        tracemalloc.start()
        asyncio.run(app(http_scope("/big"), recorder.receive, recorder.send))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/big",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
        }
        tracemalloc.start()
        body = app(environ, lambda status, headers: None)
        received = sum(len(chunk) for chunk in body)
        body.close()  # type: ignore[attr-defined]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert received == size
    assert peak < 5 * 1024 * 1024


def test_subdomain_blueprint_in_a_test_request_context_before_any_request(app: Vial) -> None:
    app.subdomain_matching = True
    app.config.update(SERVER_NAME="example.com:1234", APPLICATION_ROOT="/foo")
    bp = Blueprint("company", __name__, subdomain="xxx")
    bp.add_url_rule("/", "index", lambda: request.url)
    app.register_blueprint(bp)
    ctx = app.test_request_context("/", subdomain="xxx")
    assert ctx.request.url == "http://xxx.example.com:1234/foo/"
    with ctx:
        assert ctx.request.blueprint == "company"
    assert app.test_client().get("/", subdomain="xxx").text == "http://xxx.example.com:1234/foo/"
