"""url_for in request and app contexts, external URLs, errors."""

from __future__ import annotations

import pytest
from werkzeug.routing import BuildError

from vial import Vial, url_for


@pytest.fixture
def routed(app: Vial) -> Vial:
    app.add_url_rule("/", "index", lambda: "")
    app.add_url_rule("/home/<name>/", "home", lambda name: name)

    def post(post_id: int) -> str:
        return ""

    app.add_url_rule("/post/<int:post_id>", "post", post, methods=["GET"])
    app.add_url_rule("/post/<int:post_id>", "post", post, methods=["POST"])
    return app


def test_in_request_context(routed: Vial) -> None:
    with routed.test_request_context():
        assert url_for("index") == "/"
        assert url_for("home", name="bob") == "/home/bob/"
        assert url_for("home", name="a b?c", page=2, tag=["x", "y"]) == (
            "/home/a%20b%3Fc/?page=2&tag=x&tag=y"
        )
        assert url_for("home", name="bob", _anchor="top part") == "/home/bob/#top%20part"
        assert url_for("home", name="bob", _external=True) == "http://localhost/home/bob/"
        assert url_for("index", _scheme="https") == "https://localhost/"
        assert url_for("post", post_id=3, _method="POST") == "/post/3"
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"


def test_script_root_is_prefixed(routed: Vial) -> None:
    with routed.test_request_context(base_url="http://example.com/app"):
        assert url_for("home", name="x") == "/app/home/x/"
        assert url_for("index", _external=True) == "http://example.com/app/"


def test_in_app_context_uses_server_name(routed: Vial) -> None:
    routed.config.update(
        SERVER_NAME="example.org", APPLICATION_ROOT="/root", PREFERRED_URL_SCHEME="https"
    )
    with routed.app_context():
        assert url_for("home", name="x") == "https://example.org/root/home/x/"


def test_app_context_without_server_name_is_an_error(routed: Vial) -> None:
    with routed.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("index")


def test_scheme_requires_external(routed: Vial) -> None:
    with routed.test_request_context(), pytest.raises(ValueError, match="_external"):
        url_for("index", _scheme="https", _external=False)


def test_build_error_names_endpoint_and_missing_values(routed: Vial) -> None:
    with routed.test_request_context():
        with pytest.raises(BuildError, match="'home'") as info:
            url_for("home")
        assert "name" in str(info.value)
        with pytest.raises(BuildError, match="nothing"):
            url_for("nothing")


def test_url_build_error_handlers(routed: Vial) -> None:
    routed.url_build_error_handlers.append(lambda error, endpoint, values: f"/fallback/{endpoint}")
    with routed.test_request_context():
        assert url_for("unknown") == "/fallback/unknown"


def test_url_defaults_on_app(routed: Vial) -> None:
    @routed.url_defaults
    def default_name(endpoint: str, values: dict[str, object]) -> None:
        if endpoint == "home":
            values.setdefault("name", "anon")

    with routed.test_request_context():
        assert url_for("home") == "/home/anon/"
