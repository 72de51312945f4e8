"""Decoding urlencoded data: vial's parser agrees with the standard library's.

Every test that decodes runs twice: with the compiled loop (``vial._speedups``)
and with its pure-Python version.
"""

from __future__ import annotations

import random
import typing as t
from collections.abc import Callable
from urllib.parse import parse_qsl

import pytest
from werkzeug.exceptions import BadRequestKeyError, RequestEntityTooLarge

from vial import _urlencoded
from vial._urlencoded import parse_query, parse_urlencoded

from .compiled import compiled


@pytest.fixture(autouse=True, params=["compiled", "python"])
def implementation(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., t.Any]:
    """The decoding loop under test, installed where the parsers call it."""
    parse = _urlencoded._parse_python if request.param == "python" else compiled("parse")
    monkeypatch.setattr(_urlencoded, "_parse", parse)
    return parse


# Separators, escapes (valid, truncated, invalid, of separators and controls),
# the bytes the decoder marks separators with, backslashes and non-ASCII text.
_PIECES = [
    "a", "b", "key", "x y", "=", "&", "+", "%", "%2", "%20", "%26", "%3D", "%2B", "%25",
    "%zz", "%C3%A9", "%E2%82%AC", "%ff", "%00", "%01", "\x00", "\x01", "\\", "\\x41",
    "%5C", "é", "€", "1", "",
]  # fmt: skip


def _expected(data: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in parse_qsl(data, keep_blank_values=True, errors="replace"):
        found.setdefault(key, []).append(value)
    return found


def _samples(count: int) -> list[str]:
    rng = random.Random(20261125)
    return ["".join(rng.choices(_PIECES, k=rng.randint(0, 12))) for _ in range(count)]


def test_agrees_with_parse_qsl() -> None:
    for data in _samples(5000):
        expected = _expected(data)
        assert parse_urlencoded(data).to_dict(flat=False) == expected, data
        assert parse_urlencoded(data.encode()).to_dict(flat=False) == expected, data
        # A WSGI server hands the query over as Latin-1 text of its bytes.
        wsgi_text = data.encode().decode("latin-1")
        assert parse_query(wsgi_text).to_dict(flat=False) == expected, data
        assert parse_query(data.encode()).to_dict(flat=False) == expected, data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("a=1&a=2&b", {"a": ["1", "2"], "b": [""]}),
        ("a=b=c", {"a": ["b=c"]}),
        ("a%3Db=c%26d", {"a=b": ["c&d"]}),
        ("&&a=1&", {"a": ["1"]}),
        ("=x", {"": ["x"]}),
        ("q=100%25+sure%3F", {"q": ["100% sure?"]}),
        ("bad=%zz%f", {"bad": ["%zz%f"]}),
        ("name=S%C3%A3o+Paulo", {"name": ["São Paulo"]}),
        ("invalid=%ff", {"invalid": ["\ufffd"]}),
        ("", {}),
    ],
)
def test_examples(data: str, expected: dict[str, list[str]]) -> None:
    assert parse_urlencoded(data.encode()).to_dict(flat=False) == expected


def test_lookup() -> None:
    params = parse_urlencoded(b"page=2&page=3&size=x")
    assert params["page"] == "2"
    assert params.getlist("page") == ["2", "3"]
    assert params.get("page", type=int) == 2
    assert params.get("size", 10, type=int) == 10
    assert params.get("missing", "d") == "d"
    with pytest.raises(BadRequestKeyError):
        params["missing"]
    with pytest.raises(TypeError):
        params["page"] = "4"  # type: ignore[index]


def test_too_many_parts() -> None:
    assert len(parse_urlencoded(b"a=1&b=2&c=3", max_parts=3)) == 3
    with pytest.raises(RequestEntityTooLarge):
        parse_urlencoded(b"a=1&b=2&c=3&d=4", max_parts=3)


def test_long_data() -> None:
    # Longer than the compiled loop's buffer on the stack.
    value = "%C3%A9+x" * 500
    params = parse_urlencoded(f"a={value}&b=1&a=2".encode())
    assert params.getlist("a") == ["é x" * 500, "2"]
    assert params["b"] == "1"


def test_text_beyond_latin1_is_read_as_text() -> None:
    # Not what a WSGI server hands over, but a caller may: read as its UTF-8 bytes.
    assert parse_query("name=€&q=%E2%82%AC").to_dict(flat=False) == {
        "name": ["€"],
        "q": ["€"],
    }


def test_parse_makes_the_class_it_is_given(implementation: Callable[..., t.Any]) -> None:
    class Pairs(dict[str, list[str]]):
        def __init__(self) -> None:
            raise AssertionError("not called")

    pairs = implementation(Pairs, b"a=1&a=2")
    assert type(pairs) is Pairs
    assert pairs == {"a": ["1", "2"]}
