"""Blueprints: prefixes, names, nesting, scoped hooks and handlers, over WSGI and ASGI."""

from __future__ import annotations

import pytest

from vial import Blueprint, Response, Vial, abort, g, request, url_for
from vial.testing import VialClient


def test_prefix_endpoint_names_and_relative_url_for(app: Vial, client: VialClient) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/")
    def index() -> str:
        return url_for(".users")

    @bp.route("/users")
    def users() -> str:
        return f"{request.blueprint} {request.endpoint}"

    app.register_blueprint(bp)
    assert client.get("/admin/").text == "/admin/users"
    assert client.get("/admin/users").text == "admin admin.users"
    with app.test_request_context():
        assert url_for("admin.index") == "/admin/"


def test_scoped_hooks_and_app_hooks(app: Vial, client: VialClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.before_request(lambda: calls.append("bp before"))
    bp.before_app_request(lambda: calls.append("app-wide before"))

    @bp.after_request
    def bp_after(response: Response) -> Response:
        calls.append("bp after")
        return response

    bp.add_url_rule("/", "index", lambda: "bp")
    app.add_url_rule("/", "index", lambda: "app")
    app.register_blueprint(bp)
    client.get("/")
    assert calls == ["app-wide before"]
    calls.clear()
    client.get("/bp/")
    assert calls == ["app-wide before", "bp before", "bp after"]


def test_blueprint_error_handler_before_app(app: Vial, client: VialClient) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(403)
    def bp_forbidden(e: Exception) -> tuple[str, int]:
        return "bp forbidden", 403

    @app.errorhandler(403)
    def app_forbidden(e: Exception) -> tuple[str, int]:
        return "app forbidden", 403

    bp.add_url_rule("/", "index", lambda: abort(403))
    app.add_url_rule("/", "index", lambda: abort(403))
    app.register_blueprint(bp)
    assert client.get("/bp/").text == "bp forbidden"
    assert client.get("/").text == "app forbidden"


def test_app_errorhandler_from_blueprint(app: Vial, client: VialClient) -> None:
    bp = Blueprint("errors", __name__)

    @bp.app_errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "from blueprint", 404

    app.register_blueprint(bp)
    assert client.get("/nope").text == "from blueprint"


def test_nested_blueprints(app: Vial, client: VialClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    calls: list[str] = []
    parent.before_request(lambda: calls.append("parent"))
    child.before_request(lambda: calls.append("child"))

    @child.route("/")
    def index() -> str:
        return f"{request.blueprints} {url_for('.index')} {url_for('parent.child.index')}"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    rv = client.get("/parent/child/")
    assert rv.text == "['parent.child', 'parent'] /parent/child/ /parent/child/"
    assert calls == ["parent", "child"]


def test_register_twice_needs_a_name(app: Vial, client: VialClient) -> None:
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/", "index", lambda: request.blueprint)
    app.register_blueprint(bp, url_prefix="/one")
    with pytest.raises(ValueError, match="already registered"):
        app.register_blueprint(bp, url_prefix="/two")
    app.register_blueprint(bp, url_prefix="/two", name="bp2")
    assert client.get("/one/").text == "bp"
    assert client.get("/two/").text == "bp2"


def test_blueprint_names_are_validated() -> None:
    with pytest.raises(ValueError, match="dot"):
        Blueprint("a.b", __name__)
    with pytest.raises(ValueError, match="empty"):
        Blueprint("", __name__)
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/", "a.b", lambda: "")


def test_setup_after_registration_fails(app: Vial) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="already been registered"):
        bp.route("/late")(lambda: "")


def test_url_defaults_and_value_preprocessor(app: Vial, client: VialClient) -> None:
    bp = Blueprint("lang", __name__, url_prefix="/<lang_code>")

    @bp.url_defaults
    def add_language(endpoint: str, values: dict[str, object]) -> None:
        values.setdefault("lang_code", g.lang_code)

    @bp.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict[str, object] | None) -> None:
        assert values is not None
        g.lang_code = values.pop("lang_code")

    @bp.route("/about")
    def about() -> str:
        return f"{g.lang_code} {url_for('.about')}"

    app.register_blueprint(bp)
    assert client.get("/fr/about").text == "fr /fr/about"


def test_blueprint_url_defaults(app: Vial, client: VialClient) -> None:
    bp = Blueprint("pages", __name__, url_defaults={"lang": "en"})

    def show(lang: str, page: str = "home") -> str:
        return f"{lang}:{page}"

    bp.add_url_rule("/", "index", show)
    bp.add_url_rule("/<page>", "show", show)
    app.register_blueprint(bp, url_defaults={"lang": "fr"})
    assert client.get("/").text == "fr:home"
    assert client.get("/faq").text == "fr:faq"


def test_view_decorated_endpoint(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/", "index")

    @app.endpoint("index")
    def index() -> str:
        return "by endpoint"

    assert client.get("/").text == "by endpoint"
