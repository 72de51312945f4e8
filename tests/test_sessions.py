"""Signed cookie sessions: round trips, bad cookies, key rotation, cookie attributes."""

from __future__ import annotations

import hashlib
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


def test_untouched_permanent_session_is_refreshed(app: Vial, client: VialClient) -> None:
    """A view that never uses the session still pushes a permanent session's expiry back."""

    @app.route("/login")
    def login() -> str:
        session.permanent = True
        session["user"] = "ann"
        return ""

    @app.route("/ignored")
    def ignored() -> str:
        return ""

    client.get("/login")
    rv = client.get("/ignored")
    (header,) = set_cookie_headers(rv)
    assert "expires" in cookie_attributes(header)
    assert rv.headers["Vary"] == "Cookie"

    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    rv = client.get("/ignored")
    assert set_cookie_headers(rv) == []
    assert "Vary" not in rv.headers


def test_untouched_session_is_opened_only_for_its_cookie(
    counter_app: Vial, client: VialClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    interface = counter_app.session_interface
    opened: list[str] = []
    real_open = interface.open_session

    def counting_open(app: Vial, request: Any) -> Any:
        opened.append(request.path)
        return real_open(app, request)

    monkeypatch.setattr(interface, "open_session", counting_open)
    client.set_cookie("theme", "dark")
    rv = client.get("/untouched")
    assert opened == []
    assert set_cookie_headers(rv) == []

    client.get("/set/1")
    opened.clear()
    rv = client.get("/untouched")
    # Opened to see whether it is permanent; a non-permanent one sends nothing.
    assert opened == ["/untouched"]
    assert set_cookie_headers(rv) == []
    assert "Vary" not in rv.headers


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


# -- the cookie format: itsdangerous' and Flask's, read and written without them

TOKEN_DATA: list[Any] = [
    {},
    {"count": 1},
    {"count": 12345, "user_id": 42},
    {"_permanent": True, "user_id": "42", "csrf_token": "3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"},
    {"text": "héllo ✓", "list": [1, 2, {"x": None}], "pair": (1, "two")},
    {"raw": b"\x00\xff", "html": Markup("<b>x</b>"), "id": uuid.UUID(int=7)},
    {"when": datetime(2024, 5, 17, 12, 30, 5, tzinfo=UTC)},
    {"a": "a" * 12},  # small, yet zlib makes it shorter
    {"page": "lorem ipsum " * 40},  # long and compressible
    {" t": "a key that looks like a tag"},
]


@pytest.fixture
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> float:
    now = 1_700_000_000.25
    monkeypatch.setattr(time, "time", lambda: now)
    return now


def codec_and_serializer(app: Vial) -> tuple[Any, Any]:
    interface = SecureCookieSessionInterface()
    codec = interface._signing_codec(app)
    serializer = interface.get_signing_serializer(app)
    assert codec is not None
    assert serializer is not None
    return codec, serializer


@pytest.mark.parametrize("data", TOKEN_DATA)
def test_codec_writes_the_tokens_itsdangerous_writes(
    app: Vial, frozen_time: float, data: dict[str, Any]
) -> None:
    codec, serializer = codec_and_serializer(app)
    with app.app_context():
        token = codec.dumps(data)
        assert token == serializer.dumps(data)
        assert codec.loads(token, 60) == serializer.loads(token, max_age=60)


@pytest.mark.parametrize(
    "settings",
    [
        {"digest_method": staticmethod(hashlib.sha256)},
        {"key_derivation": "concat"},
        {"key_derivation": "django-concat"},
        {"key_derivation": "none"},
        {"salt": "another-salt"},
    ],
    ids=["sha256", "concat", "django-concat", "none", "salt"],
)
def test_codec_follows_the_interface_settings(
    counter_app: Vial, client: VialClient, frozen_time: float, settings: dict[str, Any]
) -> None:
    app = counter_app
    interface = type("Custom", (SecureCookieSessionInterface,), settings)()
    app.session_interface = interface

    client.get("/set/set")
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = interface.get_signing_serializer(app)
    assert serializer is not None
    with app.app_context():
        assert cookie.value == serializer.dumps({"value": "set"})
    assert client.get("/get").text == "set"


def mangled(token: str) -> list[str]:
    """Variants of a valid token that itsdangerous reads, or rejects, in some particular way."""
    payload, stamp, signature = token.rsplit(".", 2)
    flipped = chr(ord(signature[-1]) ^ 1)
    return [
        token,
        f"{payload}.{stamp}.{signature[:-1]}{flipped}",  # low bits of the last character
        f"{payload}.{stamp}.{signature}=",
        f"{payload}.{stamp}.{signature[:10]}!{signature[10:]}",  # a character base64 skips
        f"{payload}.{stamp}.{signature[:-1]}",
        f"{payload}.{stamp}{signature}",
        f"{payload}{stamp}.{signature}",
        f".{token}",
        f"x{token}",
        f"{token}.",
        f"{payload}.{signature}",
        token.replace(".", "", 1),
        token[: len(token) // 2],
        "",
        ".",
        "..",
        "...",
        "not-a-token",
        "é✓",
        "\udcff.\udcff.\udcff",
    ]


def signed_raw(app: Vial, payload: bytes, timestamp: bytes) -> str:
    """A token with any payload and timestamp bytes, correctly signed."""
    from itsdangerous.encoding import base64_encode

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    signer = serializer.make_signer()
    value = payload + b"." + base64_encode(timestamp)
    return (value + b"." + signer.get_signature(value)).decode()


def test_codec_reads_and_rejects_what_itsdangerous_does(app: Vial, frozen_time: float) -> None:
    import zlib
    from base64 import urlsafe_b64encode

    from itsdangerous import BadData

    codec, serializer = codec_and_serializer(app)
    now = int(frozen_time)

    def b64(data: bytes) -> bytes:
        return urlsafe_b64encode(data).rstrip(b"=")

    def stamp(t: int) -> bytes:
        return t.to_bytes(8, "big").lstrip(b"\0")

    tokens: list[str] = []
    with app.app_context():
        for data in TOKEN_DATA:
            tokens += mangled(serializer.dumps(data))
    ok_payload = b64(b'{"a":1}')
    tokens += [
        signed_raw(app, ok_payload, stamp(now)),
        signed_raw(app, ok_payload, stamp(now - 31 * 24 * 3600 - 1)),  # expired
        signed_raw(app, ok_payload, stamp(now + 5)),  # from the future
        signed_raw(app, ok_payload, b""),
        signed_raw(app, ok_payload, b"\0" + stamp(now)),
        signed_raw(app, ok_payload, b"\1" * 9),  # more than 64 bits
        signed_raw(app, b"." + b64(zlib.compress(b'{"a":1}')), stamp(now)),
        signed_raw(app, b"." + b64(b"not zlib"), stamp(now)),
        signed_raw(app, b64(b"\xff\xfe"), stamp(now)),  # not UTF-8
        signed_raw(app, b64(b"{not json"), stamp(now)),
        signed_raw(app, b64(b'[1, "two"]'), stamp(now)),
        signed_raw(app, b"!!", stamp(now)),
        signed_raw(app, b"abcde", stamp(now)),  # impossible base64 length
        signed_raw(app, b"", stamp(now)),
    ]
    max_age = int(app.permanent_session_lifetime.total_seconds())
    with app.app_context():
        for token in tokens:
            try:
                expected = serializer.loads(token, max_age=max_age)
            except (BadData, UnicodeEncodeError):
                expected = None
            assert codec.loads(token, max_age) == expected, token


def test_codec_verifies_with_every_key_and_signs_with_the_newest(
    app: Vial, frozen_time: float
) -> None:
    from itsdangerous import URLSafeTimedSerializer

    app.config["SECRET_KEY_FALLBACKS"] = ["oldest", "older"]
    codec, serializer = codec_and_serializer(app)

    def signed_with(key: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            key,
            salt="cookie-session",
            serializer=serializer.serializer,
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
        )

    with app.app_context():
        for key in ("oldest", "older", app.secret_key):
            assert codec.loads(signed_with(key).dumps({"k": key}), None) == {"k": key}
        assert codec.dumps({"k": 1}) == serializer.dumps({"k": 1})
        assert codec.dumps({"k": 1}) == signed_with(app.secret_key).dumps({"k": 1})
        assert codec.loads(signed_with("stranger").dumps({"k": 1}), None) is None


def test_may_compress_is_false_only_when_zlib_cannot_win() -> None:
    """Whenever the codec skips zlib, zlib would not have shortened the payload."""
    import random
    import zlib

    from vial._signing import may_compress

    rng = random.Random(1)
    skipped = 0
    for _ in range(1200):
        alphabet = rng.sample(range(256), rng.choice((2, 3, 4, 6, 10, 20, 40, 96)))
        data = bytearray(rng.choices(alphabet, k=2))
        seen: set[bytes] = set()
        # A random walk that avoids repeating a 3-byte sequence: the hard case.
        for _ in range(rng.randint(0, 140)):
            choices = [c for c in alphabet if bytes((data[-2], data[-1], c)) not in seen]
            if not choices:
                break
            seen.add(bytes((data[-2], data[-1], choices[0])))
            data.append(rng.choice(choices))
            seen.add(bytes(data[-3:]))
        payload = bytes(data)
        if not may_compress(payload):
            skipped += 1
            assert len(zlib.compress(payload)) >= len(payload) - 1, payload
    assert skipped > 200
    for n in range(12):
        assert not may_compress(b"a" * n)
    assert may_compress(b"a" * 12)
    assert not may_compress(b'{"count":1}')
    assert not may_compress(b'{"_permanent":true,"user_id":42}')


def test_session_cookies_are_interchangeable_with_flask(
    app: Vial, client: VialClient, frozen_time: float
) -> None:
    """Flask reads vial's session cookie and vial reads Flask's: the same bytes, both ways."""
    import flask

    values: dict[str, Any] = {
        "user_id": 42,
        "when": datetime(2024, 5, 17, 12, 30, 5, tzinfo=UTC),
        "pair": (1, "two"),
        "notes": ["text " * 30],
    }
    flask_app = flask.Flask("interop")
    flask_app.secret_key = app.secret_key

    @flask_app.route("/store")
    def flask_store() -> str:
        flask.session.update(values)
        return ""

    @flask_app.route("/load")
    def flask_load() -> str:
        return "same" if dict(flask.session) == values else repr(dict(flask.session))

    @app.route("/store")
    def store() -> str:
        session.update(values)
        return ""

    @app.route("/load")
    def load() -> str:
        return "same" if dict(session) == values else repr(dict(session))

    flask_client = flask_app.test_client()
    flask_client.get("/store")
    flask_cookie = flask_client.get_cookie("session")
    client.get("/store")
    vial_cookie = client.get_cookie("session")
    assert flask_cookie is not None
    assert vial_cookie is not None
    assert vial_cookie.value == flask_cookie.value

    client.set_cookie("session", flask_cookie.value)
    assert client.get("/load").text == "same"
    flask_client = flask_app.test_client()
    flask_client.set_cookie("session", vial_cookie.value)
    assert flask_client.get("/load").text == "same"


def test_overridden_signing_serializer_is_used(counter_app: Vial, client: VialClient) -> None:
    app = counter_app
    from itsdangerous import URLSafeTimedSerializer

    used: list[str] = []

    class Custom(SecureCookieSessionInterface):
        def get_signing_serializer(self, app: Vial) -> URLSafeTimedSerializer | None:
            used.append("yes")
            return URLSafeTimedSerializer("custom key", salt="custom")

    app.session_interface = Custom()

    client.get("/set/set")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert URLSafeTimedSerializer("custom key", salt="custom").loads(cookie.value) == {
        "value": "set"
    }
    assert client.get("/get").text == "set"
    assert used


def test_serializer_writing_bytes_is_left_to_itsdangerous(app: Vial) -> None:
    """A serializer whose ``dumps`` returns bytes gets itsdangerous' own handling."""
    import pickle

    class Pickled(SecureCookieSessionInterface):
        serializer = pickle

    interface = Pickled()
    codec = interface._signing_codec(app)
    assert codec is not None
    assert type(codec).__name__ == "_SerializerCodec"
