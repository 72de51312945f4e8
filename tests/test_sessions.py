"""Signed cookie sessions: round trips, bad cookies, key rotation, cookie attributes."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import itsdangerous.timed
import pytest
from markupsafe import Markup

from vial import Vial, request, session
from vial.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
)
from vial.testing import VialClient

NO_KEY = "no secret key was set"


def set_cookie_headers(rv: Any) -> list[str]:
    return list(rv.headers.getlist("Set-Cookie"))


def cookie_attributes(header: str) -> dict[str, str]:
    """``"session=v; Path=/; HttpOnly"`` → ``{"session": "v", "path": "/", "httponly": ""}``."""
    attributes: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        attributes[name if not attributes else name.lower()] = value
    return attributes


def sign(app: Vial, data: dict[str, Any], *, age: float = 0) -> str:
    """A session cookie value for ``data``, signed ``age`` seconds ago."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    clock = SimpleNamespace(time=lambda: time.time() - age)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(itsdangerous.timed, "time", clock)
        return str(serializer.dumps(data))


@pytest.fixture
def counter_app(app: Vial) -> Vial:
    @app.route("/set/<value>")
    def set_value(value: str) -> str:
        session["value"] = value
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("value", "<none>"))

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched() -> str:
        return "nothing"

    return app


# -- the session dict


def test_tracks_reads_and_writes() -> None:
    reads = [
        lambda s: s["a"],
        lambda s: s.get("a"),
        lambda s: "a" in s,
        lambda s: list(s),
        lambda s: len(s),
        lambda s: list(s.items()),
        lambda s: list(s.keys()),
        lambda s: list(s.values()),
        lambda s: s.setdefault("a", 2),
        lambda s: s.permanent,
    ]
    for read in reads:
        s = SecureCookieSession({"a": 1})
        assert not s.accessed
        read(s)
        assert s.accessed
        assert not s.modified

    writes = [
        lambda s: s.__setitem__("b", 2),
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.clear(),
        lambda s: s.update(b=2),
        lambda s: s.setdefault("b", 2),
        lambda s: s.__ior__({"b": 2}),
        lambda s: setattr(s, "permanent", True),
    ]
    for write in writes:
        s = SecureCookieSession({"a": 1})
        write(s)
        assert s.modified
        assert s.accessed

    s = SecureCookieSession({"a": 1})
    assert s.pop("missing", None) is None
    with pytest.raises(KeyError):
        s.pop("missing")
    assert not s.modified
    assert isinstance(s, dict)
    assert s == {"a": 1}


def test_permanent_is_stored_in_the_dict() -> None:
    s = SecureCookieSession()
    assert s.permanent is False
    s.permanent = 1  # type: ignore[assignment]
    assert s["_permanent"] is True
    assert s.permanent is True


def test_null_session_reads_and_refuses_writes() -> None:
    s = NullSession()
    assert s.get("user") is None
    assert "user" not in s
    assert not s.permanent
    for write in (
        lambda: s.__setitem__("user", 1),
        lambda: s.__delitem__("user"),
        lambda: s.pop("user", None),
        lambda: s.update(user=1),
        lambda: s.setdefault("user", 1),
        lambda: s.clear(),
        lambda: setattr(s, "permanent", True),
    ):
        with pytest.raises(RuntimeError, match=NO_KEY):
            write()


# -- round trips and bad cookies


def test_round_trip_of_tagged_values(app: Vial, client: VialClient) -> None:
    values: dict[str, Any] = {
        "when": datetime(2024, 5, 17, 12, 30, 5, tzinfo=UTC),
        "raw": b"\x00\xffbytes",
        "pair": (1, "two"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "html": Markup("<b>bold</b>"),
        "nested": {"list": [1, 2, {"x": None}], "flag": True},
        "text": "héllo",
    }

    @app.route("/store")
    def store() -> str:
        session.update(values)
        return "ok"

    @app.route("/load")
    def load() -> str:
        for key, expected in values.items():
            got = session[key]
            assert got == expected, key
            assert type(got) is type(expected), key
        return "same"

    client.get("/store")
    assert client.get("/load").text == "same"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(
            lambda v: v[:-8] + ("A" if v[-8] != "A" else "B") + v[-7:], id="tampered-signature"
        ),
        pytest.param(lambda v: ("f" if v[0] != "f" else "g") + v[1:], id="tampered-payload"),
        pytest.param(lambda v: v[: len(v) // 2], id="truncated"),
        pytest.param(lambda v: "not-a-session", id="garbage"),
        pytest.param(lambda v: "..", id="dots"),
        pytest.param(lambda v: "é✓", id="non-ascii"),
    ],
)
def test_bad_cookie_gives_empty_session(counter_app: Vial, client: VialClient, mangle: Any) -> None:
    client.get("/set/secret")
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", mangle(cookie.value))
    rv = client.get("/get")
    assert rv.status_code == 200
    assert rv.text == "<none>"


def test_cookie_signed_with_another_key_is_ignored(counter_app: Vial, client: VialClient) -> None:
    other = Vial("other")
    other.secret_key = "another secret"
    client.set_cookie("session", sign(other, {"value": "forged"}))
    assert client.get("/get").text == "<none>"
    client.set_cookie("session", sign(counter_app, {"value": "genuine"}))
    assert client.get("/get").text == "genuine"


def test_cookie_that_is_not_a_dict_is_ignored(counter_app: Vial, client: VialClient) -> None:
    client.set_cookie("session", sign(counter_app, ["not", "a", "dict"]))  # type: ignore[arg-type]
    assert client.get("/get").text == "<none>"


def test_expired_cookie_gives_empty_session(counter_app: Vial, client: VialClient) -> None:
    counter_app.permanent_session_lifetime = timedelta(minutes=5)
    client.set_cookie("session", sign(counter_app, {"value": "old"}, age=301))
    assert client.get("/get").text == "<none>"
    client.set_cookie("session", sign(counter_app, {"value": "recent"}, age=200))
    assert client.get("/get").text == "recent"


def test_secret_key_rotation(counter_app: Vial, client: VialClient) -> None:
    counter_app.secret_key = "old key"
    client.get("/set/kept")

    counter_app.secret_key = "new key"
    assert client.get("/get").text == "<none>"

    counter_app.config["SECRET_KEY_FALLBACKS"] = ["older key", "old key"]
    assert client.get("/get").text == "kept"

    # A new cookie is signed with the current key only.
    client.get("/set/fresh")
    counter_app.config["SECRET_KEY_FALLBACKS"] = None
    assert client.get("/get").text == "fresh"


# -- what save_session sends


def test_untouched_session_sends_nothing(counter_app: Vial, client: VialClient) -> None:
    rv = client.get("/untouched")
    assert set_cookie_headers(rv) == []
    assert "Cookie" not in rv.headers.get("Vary", "")


def test_read_adds_vary_without_set_cookie(counter_app: Vial, client: VialClient) -> None:
    client.get("/set/1")
    rv = client.get("/get")
    assert rv.text == "1"
    assert set_cookie_headers(rv) == []
    assert "Cookie" in rv.headers["Vary"]


def test_membership_test_counts_as_read(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> str:
        return "yes" if "user" in session else "no"

    rv = client.get("/")
    assert rv.text == "no"
    assert "Cookie" in rv.headers["Vary"]
    assert set_cookie_headers(rv) == []


def test_write_sets_cookie(counter_app: Vial, client: VialClient) -> None:
    rv = client.get("/set/abc")
    (header,) = set_cookie_headers(rv)
    attributes = cookie_attributes(header)
    assert attributes["session"]
    assert attributes["path"] == "/"
    assert "httponly" in attributes
    assert "expires" not in attributes
    assert "secure" not in attributes
    assert "samesite" not in attributes
    assert "domain" not in attributes
    assert "Cookie" in rv.headers["Vary"]


def test_emptied_session_deletes_cookie(counter_app: Vial, client: VialClient) -> None:
    client.get("/set/abc")
    rv = client.get("/clear")
    (header,) = set_cookie_headers(rv)
    attributes = cookie_attributes(header)
    assert attributes["session"] == ""
    assert attributes["max-age"] == "0"
    assert "1970" in attributes["expires"]
    assert "Cookie" in rv.headers["Vary"]
    assert client.get_cookie("session") is None
    assert client.get("/get").text == "<none>"


def test_clearing_an_empty_session_deletes_cookie_anyway(
    counter_app: Vial, client: VialClient
) -> None:
    rv = client.get("/clear")
    assert len(set_cookie_headers(rv)) == 1


def test_nested_change_needs_modified_flag(app: Vial, client: VialClient) -> None:
    @app.route("/start")
    def start() -> str:
        session["items"] = []
        return ""

    @app.route("/add/<item>")
    def add(item: str) -> str:
        session["items"].append(item)
        if request.args.get("flag"):
            session.modified = True
        return ""

    @app.route("/items")
    def items() -> str:
        return ",".join(session["items"])

    client.get("/start")
    assert set_cookie_headers(client.get("/add/a")) == []
    assert client.get("/items").text == ""
    client.get("/add/b?flag=1")
    assert client.get("/items").text == "b"


def test_permanent_session_expires(app: Vial, client: VialClient) -> None:
    app.permanent_session_lifetime = timedelta(hours=2)

    @app.route("/login")
    def login() -> str:
        session.permanent = True
        session["user"] = "ann"
        return ""

    rv = client.get("/login")
    (header,) = set_cookie_headers(rv)
    expires = datetime.strptime(cookie_attributes(header)["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    expected = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)
    assert abs(expires - expected) < timedelta(seconds=10)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.expires is not None


def test_permanent_session_refreshed_each_request(app: Vial, client: VialClient) -> None:
    @app.route("/login")
    def login() -> str:
        session.permanent = True
        session["user"] = "ann"
        return ""

    @app.route("/page")
    def page() -> str:
        return str(session.get("user"))

    client.get("/login")
    rv = client.get("/page")
    assert rv.text == "ann"
    assert len(set_cookie_headers(rv)) == 1

    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    rv = client.get("/page")
    assert rv.text == "ann"
    assert set_cookie_headers(rv) == []


def test_idle_logout(app: Vial, client: VialClient) -> None:
    """Each request pushes the expiry back; a client idle past the lifetime is logged out."""
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=60)

    @app.before_request
    def make_permanent() -> None:
        session.permanent = True

    @app.route("/login")
    def login() -> str:
        session["user"] = "ann"
        return ""

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user", "anonymous"))

    client.get("/login")
    assert client.get("/whoami").text == "ann"

    # The last request was 30 seconds ago: still logged in, and refreshed.
    client.set_cookie("session", sign(app, {"user": "ann", "_permanent": True}, age=30))
    assert client.get("/whoami").text == "ann"

    # Idle for longer than the lifetime.
    client.set_cookie("session", sign(app, {"user": "ann", "_permanent": True}, age=61))
    assert client.get("/whoami").text == "anonymous"


# -- no secret key


def test_without_secret_key_reading_works_and_writing_raises(app: Vial) -> None:
    app.secret_key = None

    @app.route("/read")
    def read() -> str:
        return str(session.get("user"))

    @app.route("/write")
    def write() -> str:
        session["user"] = "ann"
        return ""

    client = app.test_client()
    rv = client.get("/read")
    assert rv.text == "None"
    assert set_cookie_headers(rv) == []
    with pytest.raises(RuntimeError, match=NO_KEY):
        client.get("/write")

    app.config.update(TESTING=False, DEBUG=False)
    assert app.test_client().get("/write").status_code == 500


# -- cookie attributes


def test_cookie_attribute_settings(app: Vial) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )

    @app.route("/app/set")
    def set_value() -> str:
        session["x"] = 1
        return ""

    @app.route("/app/clear")
    def clear() -> str:
        session.clear()
        return ""

    client = app.test_client()
    base = "https://example.test"
    for url in ("/app/set", "/app/clear"):
        (header,) = set_cookie_headers(client.get(url, base_url=base))
        attributes = cookie_attributes(header)
        assert "sid" in attributes
        assert attributes["domain"] == "example.test"
        assert attributes["path"] == "/app"
        assert "httponly" not in attributes
        assert "secure" in attributes
        assert attributes["samesite"] == "Lax"
        assert "partitioned" in attributes


def test_cookie_path_falls_back_to_application_root(app: Vial, client: VialClient) -> None:
    app.config["APPLICATION_ROOT"] = "/root"

    @app.route("/")
    def index() -> str:
        session["x"] = 1
        return ""

    (header,) = set_cookie_headers(client.get("/"))
    assert cookie_attributes(header)["path"] == "/root"


def test_interface_getters_read_config(app: Vial) -> None:
    interface = SecureCookieSessionInterface()
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=True)
    assert interface.get_cookie_name(app) == "session"
    assert interface.get_cookie_domain(app) is None
    assert interface.get_cookie_path(app) == "/"
    assert interface.get_cookie_httponly(app) is True
    assert interface.get_cookie_secure(app) is True
    assert interface.get_cookie_samesite(app) == "Strict"
    assert interface.get_cookie_partitioned(app) is False
    assert interface.get_expiration_time(app, SecureCookieSession()) is None
    assert interface.pickle_based is False
    assert interface.is_null_session(interface.make_null_session(app))
    assert not interface.is_null_session(SecureCookieSession())
    app.secret_key = None
    assert interface.get_signing_serializer(app) is None


# -- a custom interface


def test_custom_session_interface(app: Vial, client: VialClient) -> None:
    store: dict[str, dict[str, Any]] = {}

    class StoreInterface(SessionInterface):
        def open_session(self, app: Vial, request: Any) -> SecureCookieSession | None:
            sid = request.cookies.get("sid")
            return SecureCookieSession(store.get(sid, {}))

        def save_session(self, app: Vial, session: Any, response: Any) -> None:
            if session.modified:
                store["1"] = dict(session)
                response.set_cookie("sid", "1")

    app.session_interface = StoreInterface()

    @app.route("/set")
    def set_value() -> str:
        session["user"] = "ann"
        return ""

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("user"))

    client.get("/set")
    assert store == {"1": {"user": "ann"}}
    assert client.get("/get").text == "ann"


def test_interface_returning_none_gives_null_session(app: Vial, client: VialClient) -> None:
    class Unavailable(SecureCookieSessionInterface):
        def open_session(self, app: Vial, request: Any) -> None:
            return None

    app.session_interface = Unavailable()

    @app.route("/")
    def index() -> str:
        return session.__class__.__name__

    assert client.get("/").text == "NullSession"


def test_session_proxy_gives_the_session_object(app: Vial) -> None:
    """``session._get_current_object()`` unwraps the proxy (extensions keep the object)."""
    with app.test_request_context("/"):
        current = session._get_current_object()
        assert isinstance(current, SecureCookieSession)
        current["user"] = "ada"
        assert session["user"] == "ada"
    app.config["SECRET_KEY"] = None
    with app.test_request_context("/"):
        assert isinstance(session._get_current_object(), NullSession)
