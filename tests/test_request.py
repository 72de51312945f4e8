"""The request object, and clean 4xx answers to malformed input, over WSGI and ASGI."""

from __future__ import annotations

import io
import json

import pytest
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.test import EnvironBuilder

from vial import Vial, request
from vial.debughelpers import DebugFilesKeyError, attach_enctype_error_multidict
from vial.testing import VialClient


def echo(app: Vial, expression: str) -> None:
    """Register ``/`` (all methods) returning ``repr`` of an expression on ``request``."""

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> str:
        return repr(eval(expression, {"request": request}))


def test_url_parts(app: Vial, client: VialClient) -> None:
    @app.route("/parts/<name>")
    def parts(name: str) -> dict[str, object]:
        return {
            "method": request.method,
            "scheme": request.scheme,
            "host": request.host,
            "path": request.path,
            "full_path": request.full_path,
            "script_root": request.script_root,
            "url": request.url,
            "base_url": request.base_url,
            "url_root": request.url_root,
            "host_url": request.host_url,
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "rule": request.url_rule.rule if request.url_rule else None,
            "is_secure": request.is_secure,
            "remote_addr": request.remote_addr,
            "blueprint": request.blueprint,
        }

    data = client.get("/parts/ann?x=1&y=%C3%A9").json
    assert data == {
        "method": "GET",
        "scheme": "http",
        "host": "localhost",
        "path": "/parts/ann",
        "full_path": "/parts/ann?x=1&y=%C3%A9",
        "script_root": "",
        "url": "http://localhost/parts/ann?x=1&y=é",
        "base_url": "http://localhost/parts/ann",
        "url_root": "http://localhost/",
        "host_url": "http://localhost/",
        "endpoint": "parts",
        "view_args": {"name": "ann"},
        "rule": "/parts/<name>",
        "is_secure": False,
        "remote_addr": "127.0.0.1",
        "blueprint": None,
    }


def test_https_and_script_root(app: Vial, client: VialClient) -> None:
    echo(app, "(request.url, request.is_secure, request.script_root)")
    rv = client.get("/", base_url="https://example.com:8443/app")
    assert rv.text == "('https://example.com:8443/app/', True, '/app')"


def test_args_are_a_multidict(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> dict[str, object]:
        assert isinstance(request.args, ImmutableMultiDict)
        return {
            "q": request.args.get("q"),
            "tags": request.args.getlist("tag"),
            "blank": request.args.get("blank"),
            "n": request.args.get("n", type=int),
            "plus": request.args.get("plus"),
        }

    rv = client.get("/?q=a%20b&tag=x&tag=y&blank=&n=5&plus=1+2")
    assert rv.json == {"q": "a b", "tags": ["x", "y"], "blank": "", "n": 5, "plus": "1 2"}


def test_malformed_query_and_path_encoding_are_not_errors(app: Vial, client: VialClient) -> None:
    @app.route("/<name>")
    def index(name: str) -> str:
        return f"{name}|{request.args.get('q')}"

    rv = client.get("/%ff%fe?q=%zz%ff")
    assert rv.status_code == 200
    assert rv.text == "\ufffd\ufffd|%zz\ufffd"


def test_form_urlencoded(app: Vial, client: VialClient) -> None:
    @app.post("/")
    def index() -> dict[str, object]:
        return {"form": request.form.to_dict(flat=False), "values": request.values.get("a")}

    rv = client.post("/?a=query", data={"a": "form", "b": ["1", "2"], "c": "é & ="})
    assert rv.json == {"form": {"a": ["form"], "b": ["1", "2"], "c": ["é & ="]}, "values": "query"}


def test_multipart_form_and_files(app: Vial, client: VialClient) -> None:
    @app.post("/")
    def index() -> dict[str, object]:
        upload = request.files["file"]
        assert isinstance(upload, FileStorage)
        return {
            "title": request.form["title"],
            "filename": upload.filename,
            "content": upload.read().decode(),
            "mimetype": upload.mimetype,
        }

    rv = client.post(
        "/",
        data={"title": "report", "file": (io.BytesIO(b"hello file"), "r.txt", "text/plain")},
    )
    assert rv.json == {
        "title": "report",
        "filename": "r.txt",
        "content": "hello file",
        "mimetype": "text/plain",
    }


def _files_app(app: Vial) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(request.files["doc"].filename)


def test_missing_enctype_is_explained_in_debug_mode(app: Vial, client: VialClient) -> None:
    _files_app(app)
    app.debug = True
    with pytest.raises(DebugFilesKeyError) as info:
        client.post("/upload", data={"doc": "notes.txt"})
    message = str(info.value)
    assert "no file contents were transmitted" in message
    assert 'enctype="multipart/form-data"' in message
    assert "This was submitted: 'notes.txt'" in message
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, AssertionError)


def test_missing_file_without_debug_is_a_plain_400(app: Vial, client: VialClient) -> None:
    _files_app(app)
    rv = client.post("/upload", data={"doc": "notes.txt"})
    assert rv.status_code == 400
    assert "no file contents" not in rv.text


def test_enctype_hint_only_for_names_the_form_has(app: Vial) -> None:
    app.debug = True
    with app.test_request_context("/", method="POST", data={"other": "x"}):
        files = request.files
        assert files is request.files
        assert files.get("doc") is None
        with pytest.raises(BadRequestKeyError) as info:
            files["doc"]
        assert not isinstance(info.value, DebugFilesKeyError)


def test_no_enctype_hint_for_multipart_bodies(app: Vial) -> None:
    app.debug = True
    data = {"doc": "notes.txt", "upload": (io.BytesIO(b"x"), "x.txt")}
    with app.test_request_context("/", method="POST", data=data):
        assert request.files["upload"].filename == "x.txt"
        with pytest.raises(BadRequestKeyError) as info:
            request.files["doc"]
        assert not isinstance(info.value, DebugFilesKeyError)


def test_attach_enctype_error_multidict(app: Vial) -> None:
    with app.test_request_context("/", method="POST", data={"doc": "notes.txt"}):
        with pytest.raises(BadRequestKeyError):
            request.files["doc"]
        attach_enctype_error_multidict(request)
        with pytest.raises(DebugFilesKeyError):
            request.files["doc"]


def test_json_body(app: Vial, client: VialClient) -> None:
    @app.post("/")
    def index() -> dict[str, object]:
        return {"got": request.json, "is_json": request.is_json}

    rv = client.post("/", json={"a": [1, 2]})
    assert rv.json == {"got": {"a": [1, 2]}, "is_json": True}
    rv = client.post("/", data=b'{"a": 1}', content_type="application/vnd.api+json")
    assert rv.json == {"got": {"a": 1}, "is_json": True}


def test_invalid_json_is_400(app: Vial, client: VialClient) -> None:
    echo(app, "request.json")
    rv = client.post("/", data=b"{not json", content_type="application/json")
    assert rv.status_code == 400


def test_json_with_wrong_content_type_is_415(app: Vial, client: VialClient) -> None:
    echo(app, "request.json")
    rv = client.post("/", data=b'{"a": 1}', content_type="text/plain")
    assert rv.status_code == 415


def test_get_json_silent_and_force(app: Vial, client: VialClient) -> None:
    echo(app, "(request.get_json(silent=True), request.get_json(force=True, silent=True))")
    assert client.post("/", data=b'{"a": 1}', content_type="text/plain").text == "(None, {'a': 1})"
    assert client.post("/", data=b"{bad", content_type="application/json").text == "(None, None)"


def test_data_and_get_data(app: Vial, client: VialClient) -> None:
    echo(app, "(request.data, request.get_data(as_text=True), request.content_length)")
    rv = client.post("/", data=b"raw bytes", content_type="application/octet-stream")
    assert rv.text == "(b'raw bytes', 'raw bytes', 9)"


def test_headers_cookies_and_parsed_headers(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> dict[str, object]:
        return {
            "x": request.headers.get("X-Thing"),
            "x_lower": request.headers["x-thing"],
            "cookie": request.cookies.get("flavour"),
            "ua": request.user_agent.string,
            "best": request.accept_mimetypes.best_match(["application/json", "text/html"]),
            "lang": request.accept_languages.best,
            "auth": request.authorization.username if request.authorization else None,
            "range": str(request.range),
            "etags": request.if_none_match.contains("abc"),
            "ims": request.if_modified_since.year if request.if_modified_since else None,
            "route": request.access_route,
            "mimetype": request.mimetype,
            "params": request.mimetype_params,
        }

    client.set_cookie("flavour", "oat")
    rv = client.get(
        "/",
        headers={
            "X-Thing": "yes",
            "User-Agent": "tester/1.0",
            "Accept": "text/html;q=0.5, application/json",
            "Accept-Language": "fr, en;q=0.5",
            "Authorization": "Basic dXNlcjpwYXNz",
            "Range": "bytes=0-9",
            "If-None-Match": '"abc"',
            "If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT",
            "X-Forwarded-For": "10.0.0.1, 10.0.0.2",
            "Content-Type": "text/plain; charset=utf-8",
        },
    )
    assert rv.json == {
        "x": "yes",
        "x_lower": "yes",
        "cookie": "oat",
        "ua": "tester/1.0",
        "best": "application/json",
        "lang": "fr",
        "auth": "user",
        "range": "bytes=0-9",
        "etags": True,
        "ims": 2015,
        "route": ["10.0.0.1", "10.0.0.2"],
        "mimetype": "text/plain",
        "params": {"charset": "utf-8"},
    }


@pytest.mark.parametrize("use_asgi", [False, True])
def test_malformed_cookie_header_is_ignored(app: Vial, use_asgi: bool) -> None:
    echo(app, "request.cookies.get('good')")
    client = app.test_client(use_cookies=False, use_asgi=use_asgi)
    rv = client.get("/", headers={"Cookie": 'bad=\x00"; ;;=; good=1; =x'})
    assert rv.status_code == 200
    assert rv.text == "'1'"


def test_body_over_max_content_length_is_413(app: Vial, client: VialClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10
    echo(app, "len(request.get_data())")
    assert client.post("/", data=b"x" * 10).text == "10"
    assert client.post("/", data=b"x" * 11).status_code == 413
    assert client.post("/", data={"f": "x" * 50}).status_code == 413


def test_form_over_max_form_memory_size_is_413(app: Vial, client: VialClient) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 20
    echo(app, "request.form.get('a')")
    assert client.post("/", data={"a": "short"}).text == "'short'"
    assert client.post("/", data={"a": "x" * 40}).status_code == 413


def test_too_many_form_parts_is_413(app: Vial, client: VialClient) -> None:
    app.config["MAX_FORM_PARTS"] = 5
    echo(app, "len(request.form)")
    fields = {f"f{i}": "v" for i in range(6)}
    assert client.post("/", data=dict(list(fields.items())[:5])).text == "5"
    assert client.post("/", data=fields).status_code == 413
    multipart = {**fields, "file": (io.BytesIO(b"x"), "x.txt")}
    assert client.post("/", data=multipart).status_code == 413


def test_malformed_multipart_is_400(app: Vial, client: VialClient) -> None:
    echo(app, "request.form")
    no_boundary = client.post("/", data=b"--x\r\n", content_type="multipart/form-data")
    assert no_boundary.status_code == 400
    broken = client.post(
        "/",
        data=b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue-without-end',
        content_type="multipart/form-data; boundary=b",
    )
    assert broken.status_code == 400


def test_malformed_content_length_is_not_a_crash(app: Vial) -> None:
    echo(app, "request.get_data()")
    client = app.test_client()
    rv = client.post("/", data=b"abc", headers={"Content-Length": "not-a-number"})
    assert rv.status_code in (200, 400)
    rv = client.post("/", data=b"abc", headers={"Content-Length": "-5"})
    assert rv.status_code in (200, 400)


def test_request_outside_context_raises_clearly() -> None:
    with pytest.raises(RuntimeError, match="outside of request context"):
        request.args
    assert not request


def test_test_request_context(app: Vial) -> None:
    with app.test_request_context(
        "/search?q=vial", method="POST", json={"a": 1}, headers={"X-A": "b"}
    ):
        assert request.path == "/search"
        assert request.args["q"] == "vial"
        assert request.method == "POST"
        assert request.get_json() == {"a": 1}
        assert request.headers["X-A"] == "b"
        assert json.loads(request.get_data()) == {"a": 1}


def test_limits_follow_the_app_and_can_be_overridden(app: Vial) -> None:
    from vial import Request

    app.config.update(MAX_CONTENT_LENGTH=100, MAX_FORM_MEMORY_SIZE=50, MAX_FORM_PARTS=3)
    standalone = Request({})
    assert (standalone.max_content_length, standalone.max_form_memory_size) == (None, 500_000)
    assert standalone.max_form_parts == 1_000
    with app.app_context():
        assert standalone.max_content_length == 100
        assert standalone.max_form_memory_size == 50
        assert standalone.max_form_parts == 3
    standalone.max_form_parts = 4
    assert standalone.max_form_parts == 4


def test_per_request_form_parts_override(app: Vial, client: VialClient) -> None:
    @app.before_request
    def tighten() -> None:
        request.max_form_parts = 2

    echo(app, "len(request.form)")
    assert client.post("/", data={"a": "1", "b": "2"}).text == "2"
    assert client.post("/", data={"a": "1", "b": "2", "c": "3"}).status_code == 413


def test_deeply_nested_json_is_400(app: Vial, client: VialClient) -> None:
    echo(app, "request.get_json()")
    rv = client.post("/", data="[" * 100_000, content_type="application/json")
    assert rv.status_code == 400


@pytest.mark.parametrize("use_asgi", [False, True])
def test_cookie_header_with_invalid_utf8_is_not_an_error(app: Vial, use_asgi: bool) -> None:
    echo(app, "request.cookies.get('good')")
    client = app.test_client(use_cookies=False, use_asgi=use_asgi)
    rv = client.get("/", headers={"Cookie": "bad=\xff\xfe; good=1"})
    assert rv.status_code == 200
    assert rv.text == "'1'"


def test_invalid_json_after_a_silent_read_is_still_400(app: Vial, client: VialClient) -> None:
    @app.post("/")
    def index() -> str:
        request.get_json(silent=True)
        return repr(request.json)

    assert client.post("/", data=b"{bad", content_type="application/json").status_code == 400
    assert client.post("/", data=b'{"a": 1}', content_type="application/json").text == "{'a': 1}"


def test_form_of_bodies_that_are_not_forms_is_empty(app: Vial, client: VialClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> dict[str, object]:
        return {
            "form": request.form.to_dict(),
            "files": list(request.files),
            "values": request.values.to_dict(flat=False),
        }

    assert client.get("/?a=1").json == {"form": {}, "files": [], "values": {"a": ["1"]}}
    # No Content-Type at all, then a JSON body: neither is form data.
    rv = client.post("/?a=1", data=b"a=2", content_type="")
    assert rv.json == {"form": {}, "files": [], "values": {"a": ["1"]}}
    rv = client.post("/?a=1", json={"a": "3"})
    assert rv.json == {"form": {}, "files": [], "values": {"a": ["1"]}}


def test_declared_multipart_length_over_the_limit_is_413(app: Vial) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> str:
        return str(dict(request.form))

    environ = EnvironBuilder(
        "/", method="POST", data=b"x" * 50, content_type="multipart/form-data; boundary=b"
    ).get_environ()
    statuses: list[str] = []
    app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["413 REQUEST ENTITY TOO LARGE"]
