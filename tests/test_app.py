"""The app object: routes, view return values, hooks, errors, over WSGI and ASGI."""

from __future__ import annotations

import importlib
import logging
import sys
import typing as t
import warnings
from contextlib import nullcontext
from pathlib import Path

import pytest
from werkzeug.exceptions import Forbidden, HTTPException, NotFound
from werkzeug.routing import RequestRedirect

from vial import (
    Response,
    Vial,
    abort,
    after_this_request,
    g,
    jsonify,
    make_response,
    redirect,
    request,
    url_for,
)
from vial.debughelpers import FormDataRoutingRedirect
from vial.request import Request
from vial.testing import VialClient


def test_hello_and_home(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> str:
        return "<h1>Hello !</h1>"

    @app.route("/home/<name>/")
    def home(name: str) -> str:
        return f"<h1>Hello to Home {name}!</h1>"

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.data == b"<h1>Hello !</h1>"
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == str(len(rv.data))
    assert client.get("/home/bob/").text == "<h1>Hello to Home bob!</h1>"


def test_method_shortcuts_and_405(app: Vial, client: VialClient) -> None:
    @app.get("/item")
    def read() -> str:
        return "read"

    @app.post("/item")
    def create() -> tuple[str, int]:
        return "created", 201

    @app.delete("/item")
    def remove() -> tuple[str, int]:
        return "", 204

    assert client.get("/item").text == "read"
    assert client.post("/item").status_code == 201
    assert client.delete("/item").status_code == 204
    rv = client.put("/item")
    assert rv.status_code == 405
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "DELETE", "OPTIONS"}


def test_method_shortcut_rejects_methods_argument(app: Vial) -> None:
    with pytest.raises(TypeError, match="route"):
        app.get("/", methods=["POST"])


def test_methods_must_be_a_list(app: Vial) -> None:
    with pytest.raises(TypeError, match="list of strings"):
        app.add_url_rule("/", "x", lambda: "", methods="POST")


def test_head_has_headers_but_no_body(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: "Hello")
    rv = client.head("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == "5"


def test_automatic_options(app: Vial, client: VialClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "x"

    rv = client.open("/", method="OPTIONS")
    assert rv.status_code == 200
    assert sorted(rv.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS", "POST"]
    assert rv.data == b""


def test_automatic_options_can_be_disabled(app: Vial, client: VialClient) -> None:
    def index() -> str:
        return "x"

    index.provide_automatic_options = False  # type: ignore[attr-defined]
    app.route("/")(index)
    assert client.open("/", method="OPTIONS").status_code == 405


def test_endpoint_collision(app: Vial) -> None:
    app.add_url_rule("/a", "same", lambda: "a")
    with pytest.raises(AssertionError, match="overwriting an existing endpoint"):
        app.add_url_rule("/b", "same", lambda: "b")


def test_route_after_first_request_fails(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: "x")
    client.get("/")
    with pytest.raises(AssertionError, match="first request"):
        app.add_url_rule("/late", "late", lambda: "late")
    with pytest.raises(AssertionError, match="first request"):
        app.before_request(lambda: None)


@pytest.mark.parametrize(
    ("rv", "status", "body", "content_type"),
    [
        ("text", 200, b"text", "text/html; charset=utf-8"),
        (b"bytes", 200, b"bytes", "text/html; charset=utf-8"),
        (("created", 201), 201, b"created", "text/html; charset=utf-8"),
        (("teapot", "418 I'M A TEAPOT"), 418, b"teapot", "text/html; charset=utf-8"),
        (("h", {"X-A": "1"}), 200, b"h", "text/html; charset=utf-8"),
        (("h", 202, [("X-A", "1")]), 202, b"h", "text/html; charset=utf-8"),
        ({"a": 1}, 200, b'{"a":1}\n', "application/json"),
        ([1, 2], 200, b"[1,2]\n", "application/json"),
        (({"a": 1}, 201), 201, b'{"a":1}\n', "application/json"),
    ],
)
def test_view_return_values(
    app: Vial, client: VialClient, rv: object, status: int, body: bytes, content_type: str
) -> None:
    app.add_url_rule("/", "index", lambda: rv)
    response = client.get("/")
    assert response.status_code == status
    assert response.data == body
    assert response.headers["Content-Type"] == content_type
    if isinstance(rv, tuple) and len(rv) > 1 and not isinstance(rv[-1], (int, str)):
        assert response.headers["X-A"] == "1"


def test_view_returning_response_and_generator(app: Vial, client: VialClient) -> None:
    @app.route("/resp")
    def resp() -> Response:
        return Response("made", 203, {"X-B": "2"}, mimetype="text/plain")

    @app.route("/stream")
    def stream() -> object:
        def generate():  # type: ignore[no-untyped-def]
            yield "a"
            yield b"b"
            yield "c"

        return generate()

    rv = client.get("/resp")
    assert (rv.status_code, rv.data, rv.headers["X-B"]) == (203, b"made", "2")
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"
    rv = client.get("/stream")
    assert rv.data == b"abc"
    assert "Content-Length" not in rv.headers


def test_view_returning_none_is_a_clear_error(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> None:
        return None

    with pytest.raises(TypeError, match="did not return a valid response"):
        client.get("/")


def test_bad_return_types(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/tuple", "tuple", lambda: ("a", 200, {}, "extra"))
    app.add_url_rule("/int", "int", lambda: 42)
    with pytest.raises(TypeError, match="valid response tuple"):
        client.get("/tuple")
    with pytest.raises(TypeError, match="but it was a int"):
        client.get("/int")


def test_wsgi_callable_and_werkzeug_response(app: Vial, client: VialClient) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    app.add_url_rule("/wz", "wz", lambda: WerkzeugResponse("from werkzeug", 202))

    def wsgi_app(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"wsgi ", environ["PATH_INFO"].encode()]

    app.add_url_rule("/wsgi", "wsgi", lambda: wsgi_app)
    rv = client.get("/wz")
    assert (rv.status_code, rv.data) == (202, b"from werkzeug")
    assert client.get("/wsgi").data == b"wsgi /wsgi"


def test_make_response_and_jsonify(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("body", 201)
        response.headers["X-Custom"] = "yes"
        return response

    @app.route("/json")
    def json_view() -> Response:
        return jsonify(a=1, b=[1, 2])

    rv = client.get("/")
    assert (rv.status_code, rv.headers["X-Custom"]) == (201, "yes")
    assert client.get("/json").json == {"a": 1, "b": [1, 2]}


def test_redirect(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/old", "old", lambda: redirect("/new"))
    app.add_url_rule("/moved", "moved", lambda: redirect(url_for("new"), 301))
    app.add_url_rule("/new", "new", lambda: "new place")
    rv = client.get("/old")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/new"
    assert client.get("/moved").status_code == 301
    rv = client.get("/old", follow_redirects=True)
    assert rv.text == "new place"
    assert [r.status_code for r in rv.history] == [302]


def test_strict_slashes_redirect(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/folder/", "folder", lambda: "folder")
    rv = client.get("/folder?x=1")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/folder/?x=1"


def _user_form_app(app: Vial) -> None:
    @app.route("/user/", methods=["GET", "POST"])
    def user() -> str:
        return request.form.get("status", "shown")


def test_form_post_losing_its_body_is_explained_in_debug_mode(
    app: Vial, client: VialClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user_form_app(app)
    app.debug = True
    # The default 308 keeps the body: no error.
    rv = client.post("/user", data={"status": "kept"})
    assert rv.status_code == 308
    monkeypatch.setattr(RequestRedirect, "code", 301)
    with pytest.raises(FormDataRoutingRedirect) as info:
        client.post("/user", data={"status": "lost"})
    message = str(info.value)
    assert "canonical URL 'http://localhost/user/'" in message
    assert "trailing slash" in message
    assert client.get("/user").status_code == 301


def test_followed_308_sends_the_form_again(app: Vial, client: VialClient) -> None:
    _user_form_app(app)
    rv = client.post("/user", data={"status": "kept"}, follow_redirects=True)
    assert [r.status_code for r in rv.history] == [308]
    assert rv.text == "kept"


def test_form_post_redirect_without_debug_is_a_plain_redirect(
    app: Vial, client: VialClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user_form_app(app)
    rv = client.post("/user", data={"status": "x"})
    assert rv.status_code == 308
    monkeypatch.setattr(RequestRedirect, "code", 301)
    rv = client.post("/user", data={"status": "x"})
    assert rv.status_code == 301
    assert rv.headers["Location"] == "http://localhost/user/"


@pytest.mark.parametrize("use_asgi", [False, True])
def test_raise_routing_exception_can_be_overridden(use_asgi: bool) -> None:
    seen: list[str] = []

    class RecordingVial(Vial):
        def raise_routing_exception(self, request: Request) -> t.NoReturn:
            seen.append(type(request.routing_exception).__name__)
            abort(410)

    app = RecordingVial("recording_app")
    app.config["TESTING"] = True
    app.add_url_rule("/folder/", "folder", lambda: "folder")
    client = app.test_client(use_asgi=use_asgi)
    assert client.get("/missing").status_code == 410
    assert client.post("/folder/").status_code == 410
    assert client.get("/folder").status_code == 410
    assert client.get("/folder/").text == "folder"
    assert seen == ["NotFound", "MethodNotAllowed", "RequestRedirect"]
    with app.test_request_context("/missing"):
        with pytest.raises(HTTPException) as info:
            app.dispatch_request()
        assert info.value.code == 410


def test_abort_and_error_handlers(app: Vial, client: VialClient) -> None:
    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403, "no entry")

    @app.route("/teapot")
    def teapot() -> str:
        abort(make_response("I am a teapot", 418))

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return f"custom 404: {request.path}", 404

    rv = client.get("/forbidden")
    assert rv.status_code == 403
    assert b"no entry" in rv.data
    rv = client.get("/teapot")
    assert (rv.status_code, rv.data) == (418, b"I am a teapot")
    rv = client.get("/missing")
    assert (rv.status_code, rv.text) == (404, "custom 404: /missing")


def test_default_404_page(app: Vial, client: VialClient) -> None:
    rv = client.get("/nothing-here")
    assert rv.status_code == 404
    assert b"Not Found" in rv.data
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("host", "status"),
    [("\x8a", 400), ("a..example.com", 400), ("x" * 64 + ".com", 400), ("bücher.de", 404)],
)
def test_unroutable_host_is_a_bad_request(
    app: Vial, client: VialClient, host: str, status: int
) -> None:
    app.add_url_rule("/", "index", lambda: "index")
    overrides = {"HTTP_HOST": host}
    assert client.get("/missing", environ_overrides=overrides).status_code == status
    assert client.get("/", environ_overrides=overrides).text == "index"


def test_unroutable_host_in_a_request_context(app: Vial) -> None:
    environ = app.test_request_context().request.environ
    environ["HTTP_HOST"] = "\x8a"
    with app.request_context(environ):
        assert app.full_dispatch_request().status_code == 400


@pytest.mark.parametrize(
    ("subdomain_matching", "server_name", "warns", "text"),
    [
        (True, "example.test", True, "<invalid>"),
        (False, "example.test", False, "default"),
        (True, None, False, "default"),
    ],
)
def test_server_name_mismatch_warns(
    app: Vial, subdomain_matching: bool, server_name: str | None, warns: bool, text: str
) -> None:
    app.subdomain_matching = subdomain_matching
    app.config["SERVER_NAME"] = server_name
    app.add_url_rule("/", "index", lambda name: name, defaults={"name": "default"})
    app.add_url_rule("/", "sub", lambda name: name, subdomain="<name>")
    client = app.test_client()
    assert client.get("/", base_url="http://abc.example.test").text == (
        "abc" if subdomain_matching and server_name else "default"
    )
    expected = pytest.warns(UserWarning, match="'xyz.other.test' doesn't match")
    with expected if warns else nullcontext():
        assert client.get("/", base_url="http://xyz.other.test").text == text


def test_server_name_mismatch_warning_can_be_filtered_by_module(app: Vial) -> None:
    app.subdomain_matching = True
    app.config["SERVER_NAME"] = "example.test:443"
    app.add_url_rule("/", "index", lambda: "index")
    client = app.test_client()
    # The default port of the scheme is left out of the comparison.
    assert client.get("/", base_url="https://example.test").text == "index"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Current server name", UserWarning, "vial.app")
        assert client.get("/", base_url="https://127.0.0.1").status_code == 404


def test_error_handler_by_exception_class_follows_mro(app: Vial, client: VialClient) -> None:
    class AppError(Exception):
        pass

    class SpecificError(AppError):
        pass

    @app.errorhandler(AppError)
    def handle(e: AppError) -> tuple[str, int]:
        return f"handled {type(e).__name__}", 400

    @app.errorhandler(HTTPException)
    def handle_http(e: HTTPException) -> tuple[str, int]:
        return f"http {e.code}", e.code or 500

    @app.route("/")
    def index() -> str:
        raise SpecificError()

    app.add_url_rule("/forbidden", "forbidden", lambda: abort(403))
    assert client.get("/").text == "handled SpecificError"
    assert client.get("/forbidden").text == "http 403"
    assert client.get("/unknown").text == "http 404"


def test_unhandled_exception_is_a_logged_500(
    app: Vial, client: VialClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.route("/")
    def index() -> str:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR):
        rv = client.get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data
    assert any("Exception on / [GET]" in r.getMessage() for r in caplog.records)


def test_500_handler_gets_original_exception(app: Vial, client: VialClient) -> None:
    app.testing = False

    @app.errorhandler(500)
    def server_error(e: HTTPException) -> tuple[str, int]:
        return f"sorry: {e.original_exception!r}", 500  # type: ignore[attr-defined]

    app.add_url_rule("/", "index", lambda: 1 / 0)
    rv = client.get("/")
    assert rv.status_code == 500
    assert rv.text == "sorry: ZeroDivisionError('division by zero')"


def test_exceptions_propagate_when_testing(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        client.get("/")


def test_trap_http_exceptions(app: Vial, client: VialClient) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.add_url_rule("/", "index", lambda: abort(403))
    with pytest.raises(Forbidden):
        client.get("/")


def test_trap_bad_request_errors(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: request.args["missing"])
    assert client.get("/").status_code == 400
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    with pytest.raises(KeyError):
        client.get("/")


def test_errorhandler_registration_errors(app: Vial) -> None:
    with pytest.raises(ValueError, match="not a recognized HTTP error code"):
        app.errorhandler(999)(lambda e: "")
    with pytest.raises(TypeError, match="instance"):
        app.register_error_handler(NotFound(), lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a subclass of Exception"):
        app.register_error_handler(int, lambda e: "")  # type: ignore[arg-type]


def test_hooks_order_and_short_circuit(app: Vial, client: VialClient) -> None:
    calls: list[str] = []

    @app.before_request
    def first() -> None:
        calls.append("before1")

    @app.before_request
    def second() -> str | None:
        calls.append("before2")
        return "short" if request.args.get("stop") else None

    @app.after_request
    def after1(response: Response) -> Response:
        calls.append("after1")
        return response

    @app.after_request
    def after2(response: Response) -> Response:
        calls.append("after2")
        response.headers["X-After"] = "yes"
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {exc!r}")

    @app.route("/")
    def index() -> str:
        calls.append("view")

        @after_this_request
        def this_one(response: Response) -> Response:
            calls.append("after_this_request")
            return response

        return "view"

    rv = client.get("/")
    assert rv.headers["X-After"] == "yes"
    assert calls == [
        "before1",
        "before2",
        "view",
        "after_this_request",
        "after2",
        "after1",
        "teardown None",
    ]
    calls.clear()
    assert client.get("/?stop=1").text == "short"
    assert "view" not in calls


def test_before_request_runs_for_404(app: Vial, client: VialClient) -> None:
    seen: list[object] = []
    app.before_request(lambda: seen.append(request.url_rule))
    assert client.get("/nope").status_code == 404
    assert seen == [None]


def test_teardown_gets_the_exception(app: Vial) -> None:
    app.testing = False
    errors: list[object] = []
    app.teardown_request(errors.append)
    app.teardown_appcontext(errors.append)
    app.add_url_rule("/", "index", lambda: 1 / 0)
    app.test_client().get("/")
    assert [type(e) for e in errors] == [ZeroDivisionError, ZeroDivisionError]


def test_g_is_fresh_per_request(app: Vial, client: VialClient) -> None:
    @app.before_request
    def set_g() -> None:
        assert "user" not in g
        g.user = request.args.get("user")

    app.add_url_rule("/", "index", lambda: f"user={g.user}, {g.get('x', 'none')}")
    assert client.get("/?user=ann").text == "user=ann, none"
    assert client.get("/?user=bob").text == "user=bob, none"


def test_config_defaults_and_properties(app: Vial) -> None:
    assert app.config["MAX_FORM_PARTS"] == 1000
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.testing is True
    assert app.secret_key == "test secret"
    assert app.name == "test_app"
    app.debug = True
    assert app.config["DEBUG"] is True
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    assert app.permanent_session_lifetime.total_seconds() == 60


def test_extensions_and_logger(app: Vial) -> None:
    assert app.extensions == {}
    assert app.logger.name == "test_app"


def test_url_map_is_printable_and_iterable(app: Vial) -> None:
    app.add_url_rule("/home/<name>/", "home", lambda name: name)
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    assert "home" in rules
    assert "static" in rules
    assert "home" in repr(app.url_map)
    assert "int" in app.url_map.converters


def test_async_views_and_hooks(app: Vial, client: VialClient) -> None:
    @app.before_request
    async def load() -> None:
        g.loaded = "yes"

    @app.route("/")
    async def index() -> str:
        return f"async {g.loaded} {request.args['q']}"

    @app.after_request
    async def stamp(response: Response) -> Response:
        response.headers["X-Async"] = "1"
        return response

    rv = client.get("/?q=1")
    assert rv.text == "async yes 1"
    assert rv.headers["X-Async"] == "1"


def test_async_error_handler(app: Vial, client: VialClient) -> None:
    @app.errorhandler(404)
    async def missing(e: HTTPException) -> tuple[str, int]:
        return "async 404", 404

    assert client.get("/x").text == "async 404"


def test_before_serving_runs_once(app: Vial, client: VialClient) -> None:
    started: list[int] = []
    app.before_serving(lambda: started.append(1))
    app.add_url_rule("/", "index", lambda: "x")
    client.get("/")
    client.get("/")
    assert started == [1]


def test_ensure_sync(app: Vial) -> None:
    async def coro(x: int) -> int:
        return x * 2

    def plain(x: int) -> int:
        return x

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(coro)(21) == 42


def test_hooks_added_after_a_test_request_context_still_run(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index", lambda: "x")
    with app.test_request_context("/"):
        pass
    seen: list[str] = []
    app.before_request(lambda: seen.append("before"))
    client.get("/")
    assert seen == ["before"]


def test_app_is_freed_without_the_garbage_collector() -> None:
    import gc
    import weakref

    gc.disable()
    try:
        app = Vial(__name__)
        assert app.view_functions["static"]
        ref = weakref.ref(app)
        del app
        assert ref() is None
    finally:
        gc.enable()


def test_aborter_class_and_per_app_aborter(app: Vial, client: VialClient) -> None:
    from werkzeug.exceptions import Aborter

    class Custom(HTTPException):
        code = 499
        description = "custom"

    class MyAborter(Aborter):
        pass

    class MyVial(Vial):
        aborter_class = MyAborter

    assert isinstance(MyVial(__name__).aborter, MyAborter)
    app.aborter.mapping[499] = Custom
    app.add_url_rule("/", "index", lambda: abort(499))
    assert client.get("/").status_code == 499
    assert 499 not in Vial(__name__).aborter.mapping


def test_url_for_accepts_a_value_named_self(app: Vial) -> None:
    app.add_url_rule("/<self>", "page", lambda self: self)
    with app.test_request_context():
        assert url_for("page", self="me") == "/me"


# -- the default instance folder


def _import_app(folder: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Vial:
    """Import ``name`` (a module that makes ``app = Vial(__name__)``) from ``folder``."""
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, name.partition(".")[0], raising=False)
    monkeypatch.delitem(sys.modules, name, raising=False)
    importlib.invalidate_caches()
    app: Vial = importlib.import_module(name).app
    return app


def _write(path: Path, text: str = "from vial import Vial\napp = Vial(__name__)\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_instance_folder_beside_a_module_or_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "solo_app_mod.py")
    _write(tmp_path / "pkg_app_inst" / "__init__.py", "")
    _write(tmp_path / "pkg_app_inst" / "web.py")
    assert _import_app(tmp_path, "solo_app_mod", monkeypatch).instance_path == str(
        tmp_path / "instance"
    )
    # Beside the top-level package, not inside it.
    app = _import_app(tmp_path, "pkg_app_inst.web", monkeypatch)
    assert app.instance_path == str(tmp_path / "instance")


def test_instance_folder_of_an_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    _write(site / "installed_app_inst" / "__init__.py")
    app = _import_app(site, "installed_app_inst", monkeypatch)
    assert app.instance_path == str(tmp_path / "var" / "installed_app_inst-instance")

    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    _write(tmp_path / "elsewhere" / "prefixed_app_inst.py")
    app = _import_app(tmp_path / "elsewhere", "prefixed_app_inst", monkeypatch)
    assert app.instance_path == str(tmp_path / "var" / "prefixed_app_inst-instance")


def test_find_package_of_a_namespace_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vial.scaffold import find_package

    _write(tmp_path / "one" / "ns_app_inst" / "first.py", "")
    _write(tmp_path / "two" / "ns_app_inst" / "second.py")
    monkeypatch.syspath_prepend(str(tmp_path / "one"))
    app = _import_app(tmp_path / "two", "ns_app_inst.second", monkeypatch)
    assert find_package("ns_app_inst.second") == (None, str(tmp_path / "two"))
    assert app.instance_path == str(tmp_path / "two" / "instance")


def test_app_attributes_leave_the_instance_dict_room(client: VialClient, app: Vial) -> None:
    # Python 3.11 specialises method calls on an object whose instance dict has at
    # most 30 names; the app's own attributes are slots so that extensions can add
    # theirs and the request path's app._handle(...) calls stay cheap.
    client.get("/")  # the first request sets up what the request path reads
    assert app.jinja_env is not None  # created lazily, kept in the dict
    assert len(vars(app)) <= 20, sorted(vars(app))
    app.login_manager = "set by an extension"  # type: ignore[attr-defined]
    assert vars(app)["login_manager"] == "set by an extension"
    assert app.extensions == {}
