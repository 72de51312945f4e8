"""The compiled twins in ``vial._speedups`` behave as their pure-Python versions.

Most tests run on both; test_urlencoded.py runs the urlencoded decoder's
tests on both as well.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import typing as t

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequestKeyError

from vial import _urlencoded, asgi

from .compiled import compiled


def test_arbitrary_bytes_decode_alike() -> None:
    # Any byte may come from a client: the compiled loop and the Python one agree.
    python, built = _urlencoded._parse_python, compiled("parse")
    rng = random.Random(20261207)
    alphabet = b"&=+%\\x0123456789abcdefABCDEF\x00\x01\x7f\x80\xc3\xa9\xe2\x82\xac\xff"
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert built(dict, data) == python(dict, data), data
        text = data.decode("latin-1")
        assert built(dict, text) == python(dict, text), data


def test_compiled_parse_refuses_other_types() -> None:
    parse = compiled("parse")
    with pytest.raises(TypeError):
        parse(dict, bytearray(b"a=1"))
    with pytest.raises(TypeError):
        parse(list, b"a=1")
    with pytest.raises(TypeError):
        parse(dict)


@pytest.fixture(params=["compiled", "python"])
def first_values(request: pytest.FixtureRequest) -> type[ImmutableMultiDict[str, str]]:
    """An immutable multidict class on the ``FirstValues`` lookups under test."""
    python = request.param == "python"
    base = _urlencoded._PythonFirstValues if python else compiled("FirstValues")

    class Params(base, ImmutableMultiDict):  # type: ignore[misc, valid-type, type-arg]
        def __missing__(self, key: str) -> t.NoReturn:
            raise BadRequestKeyError(key)

    return Params


def test_first_value_of_each_key(first_values: type[ImmutableMultiDict[str, str]]) -> None:
    params = first_values([("page", "2"), ("page", "3"), ("q", "x")])
    assert params["page"] == "2"
    assert params.get("page") == "2"
    assert params.get("q", "default") == "x"
    assert params.getlist("page") == ["2", "3"]
    assert params.to_dict() == {"page": "2", "q": "x"}


def test_missing_key(first_values: type[ImmutableMultiDict[str, str]]) -> None:
    params = first_values([("a", "1")])
    with pytest.raises(BadRequestKeyError) as caught:
        params["b"]
    assert caught.value.args == ("b",)
    assert params.get("b") is None
    assert params.get("b", "d") == "d"
    assert params.get("b", default="d", type=int) == "d"


def test_empty_list_is_missing(first_values: type[ImmutableMultiDict[str, str]]) -> None:
    params = first_values()
    dict.__setitem__(params, "a", [])
    with pytest.raises(BadRequestKeyError):
        params["a"]
    assert params.get("a", "d") == "d"


def test_values_other_than_lists(first_values: type[ImmutableMultiDict[str, str]]) -> None:
    # Not what a multidict stores, but a subclass may: any sequence gives its first item.
    params = first_values()

    class Dropping(tuple[str, ...]):
        def __len__(self) -> int:
            dict.pop(params, "gone")  # the lookup holds its own reference
            return super().__len__()

    dict.__setitem__(params, "pair", ("x", "y"))
    dict.__setitem__(params, "gone", Dropping(("z",)))
    assert params["pair"] == "x"
    assert params.get("gone") == "z"


def test_get_converts(first_values: type[ImmutableMultiDict[str, str]]) -> None:
    params = first_values([("n", "42"), ("x", "forty")])
    assert params.get("n", type=int) == 42
    assert params.get("n", 0, int) == 42
    assert params.get(key="n", type=int) == 42
    # A conversion that fails with ValueError or TypeError gives the default.
    assert params.get("x", -1, type=int) == -1
    assert params.get("x", -1, type=lambda v: None + v) == -1

    def refuse(value: str) -> t.NoReturn:
        raise LookupError(value)

    # Other errors are not the lookup's to hide.
    with pytest.raises(LookupError):
        params.get("x", type=refuse)


def test_get_arguments_as_python_checks_them(
    first_values: type[ImmutableMultiDict[str, str]],
) -> None:
    params = first_values([("a", "1")])
    get = t.cast(t.Any, params.get)
    for call in (
        lambda: get(),
        lambda: get("a", None, None, None),
        lambda: get("a", kind=int),
        lambda: get("a", key="a"),
    ):
        with pytest.raises(TypeError):
            call()


def test_unhashable_key(first_values: type[ImmutableMultiDict[str, str]]) -> None:
    params = first_values([("a", "1")])
    with pytest.raises(TypeError):
        params[["a"]]  # type: ignore[index]
    with pytest.raises(TypeError):
        params.get(["a"])  # type: ignore[arg-type]


@pytest.fixture(params=["compiled", "python"])
def start_message(request: pytest.FixtureRequest) -> t.Callable[..., dict[str, t.Any]]:
    if request.param == "python":
        return asgi._python_start_message
    return compiled("start_message")  # type: ignore[no-any-return]


def test_start_message(start_message: t.Callable[..., dict[str, t.Any]]) -> None:
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("X-Name", "caf\xe9")]
    assert start_message(201, headers) == {
        "type": "http.response.start",
        "status": 201,
        "headers": [(b"Content-Type", b"text/plain; charset=utf-8"), (b"X-Name", b"caf\xe9")],
    }
    assert start_message(204, [])["headers"] == []
    assert start_message(200, [["X-List", "pair"]])["headers"] == [(b"X-List", b"pair")]


def test_start_message_refuses_what_latin1_cannot_carry(
    start_message: t.Callable[..., dict[str, t.Any]],
) -> None:
    with pytest.raises(UnicodeEncodeError):
        start_message(200, [("X-Euro", "\u20ac")])
    with pytest.raises((TypeError, AttributeError)):
        start_message(200, [("X-Number", 1)])
    with pytest.raises(ValueError):
        start_message(200, [("X-Three", "a", "b")])


@pytest.fixture(params=["compiled", "python"])
def header_map(request: pytest.FixtureRequest) -> t.Callable[..., dict[bytes, bytes]]:
    if request.param == "python":
        return asgi._python_header_map
    return compiled("header_map")  # type: ignore[no-any-return]


def test_header_map(header_map: t.Callable[..., dict[bytes, bytes]]) -> None:
    headers = [
        (b"host", b"example.com"),
        (b"accept", b"text/html"),
        [b"cookie", b"a=1"],  # a server may send lists
        (b"accept", b"*/*"),
        (b"cookie", b"b=2"),
        (b"x-empty", b""),
        (b"accept", b""),
    ]
    assert header_map(headers) == {
        b"host": b"example.com",
        b"accept": b"text/html, */*, ",
        b"cookie": b"a=1; b=2",
        b"x-empty": b"",
    }
    assert header_map(()) == {}
    assert header_map(tuple(headers[:2])) == {b"host": b"example.com", b"accept": b"text/html"}


def test_header_map_refuses_what_is_not_pairs_of_bytes(
    header_map: t.Callable[..., dict[bytes, bytes]],
) -> None:
    with pytest.raises(TypeError, match="must be bytes, not str"):
        header_map([(b"host", "example.com")])
    with pytest.raises(TypeError, match="must be bytes, not str"):
        header_map([("host", b"example.com")])
    with pytest.raises(TypeError, match="must be bytes, not bytearray"):
        header_map([(b"host", b"a"), (b"host", bytearray(b"b"))])
    with pytest.raises(ValueError):
        header_map([(b"host", b"a", b"b")])
    with pytest.raises(ValueError):
        header_map([(b"host",)])
    with pytest.raises(TypeError):
        header_map([7])
    with pytest.raises(TypeError):
        header_map(None)


def test_header_maps_alike_on_random_headers() -> None:
    compiled_map = compiled("header_map")
    names = [b"host", b"cookie", b"accept", b"x-a", b"content-length", b""]
    rng = random.Random(7)
    for _ in range(2000):
        headers = [
            (rng.choice(names), bytes(rng.randrange(256) for _ in range(rng.randrange(5))))
            for _ in range(rng.randrange(8))
        ]
        assert compiled_map(headers) == asgi._python_header_map(headers), headers


def test_vial_works_without_the_extension() -> None:
    # As where no compiler was at hand: the pure-Python versions stand in.
    script = textwrap.dedent(
        """
        import sys
        sys.modules["vial._speedups"] = None  # makes "import vial._speedups" fail
        from vial import Vial, request
        from vial import _urlencoded, asgi

        assert _urlencoded._parse is _urlencoded._parse_python
        assert asgi._start_message is asgi._python_start_message
        assert asgi._map_headers is asgi._python_header_map
        assert _urlencoded._Params.__mro__[1] is _urlencoded._PythonFirstValues
        app = Vial(__name__)

        @app.post("/")
        def echo():
            return f"{request.args['q']} {request.form.get('n', type=int)} {request.cookies}"

        for use_asgi in (False, True):
            client = app.test_client(use_asgi=use_asgi)
            client.set_cookie("c", "1")
            reply = client.post("/?q=a+b", data={"n": "7"})
            assert reply.text == "a b 7 ImmutableMultiDict([('c', '1')])", reply.text
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
