"""Tests for vial.json: the JSON providers, the module helpers and the tagged serializer."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import gc
import io
import json
import types
import uuid
from typing import Any

import pytest
from markupsafe import Markup

from vial.json import dump, dumps, jsonify, load, loads
from vial.json.provider import DefaultJSONProvider, JSONProvider
from vial.json.tag import JSONTag, TaggedJSONSerializer

UTC = datetime.UTC


class StubResponse:
    """Stands in for the app's response class: records what it was built with."""

    def __init__(self, body: str, mimetype: str | None = None) -> None:
        self.body = body
        self.mimetype = mimetype


class FakeApp(types.SimpleNamespace):
    """The two app attributes a provider reads; a subclass because providers keep a weak
    reference to the app, and SimpleNamespace instances themselves cannot be weakly referenced."""


def make_provider(debug: bool = False) -> tuple[DefaultJSONProvider, FakeApp]:
    app = FakeApp(debug=debug, response_class=StubResponse)
    return DefaultJSONProvider(app), app


@dataclasses.dataclass
class Point:
    x: int
    y: int


class HTMLThing:
    def __html__(self) -> str:
        return "<em>thing</em>"


# -- DefaultJSONProvider.dumps / loads / dump / load


def test_dumps_sorts_keys_and_escapes_non_ascii() -> None:
    provider, _ = make_provider()
    assert provider.dumps({"b": 1, "a": "é"}) == '{"a": "\\u00e9", "b": 1}'


def test_dumps_settings_are_attributes_and_kwargs_override_them() -> None:
    provider, _ = make_provider()
    provider.sort_keys = False
    provider.ensure_ascii = False
    assert provider.dumps({"b": 1, "a": "é"}) == '{"b": 1, "a": "é"}'
    assert provider.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.date(2024, 1, 2), '"Tue, 02 Jan 2024 00:00:00 GMT"'),
        (datetime.datetime(2024, 1, 2, 3, 4, 5), '"Tue, 02 Jan 2024 03:04:05 GMT"'),
        (
            datetime.datetime(
                2024, 1, 2, 4, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
            ),
            '"Tue, 02 Jan 2024 03:04:05 GMT"',
        ),
        (decimal.Decimal("1.10"), '"1.10"'),
        (uuid.UUID(int=1), '"00000000-0000-0000-0000-000000000001"'),
        (Point(1, 2), '{"x": 1, "y": 2}'),
        (Markup("<b>hi</b>"), '"<b>hi</b>"'),
        (HTMLThing(), '"<em>thing</em>"'),
    ],
)
def test_default_handles_extra_types(value: Any, expected: str) -> None:
    provider, _ = make_provider()
    assert provider.dumps(value) == expected


def test_default_rejects_unknown_types() -> None:
    provider, _ = make_provider()
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        provider.dumps(object())
    with pytest.raises(TypeError, match="Object of type type is not JSON serializable"):
        provider.dumps(Point)  # a dataclass class, not an instance


def test_default_can_be_replaced() -> None:
    class SetProvider(DefaultJSONProvider):
        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    provider = SetProvider(FakeApp(debug=False, response_class=StubResponse))
    assert provider.dumps({"s": {3, 1}, "d": decimal.Decimal(2)}) == '{"d": "2", "s": [1, 3]}'


def test_loads_text_and_bytes() -> None:
    provider, _ = make_provider()
    assert provider.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert provider.loads('{"a": "é"}'.encode()) == {"a": "é"}
    assert provider.loads("1.5", parse_float=decimal.Decimal) == decimal.Decimal("1.5")


def test_dump_and_load_files() -> None:
    provider, _ = make_provider()
    out = io.StringIO()
    provider.dump({"b": datetime.date(2024, 1, 2), "a": 1}, out)
    assert out.getvalue() == '{"a": 1, "b": "Tue, 02 Jan 2024 00:00:00 GMT"}'
    assert provider.load(io.StringIO('{"a": 1}')) == {"a": 1}
    assert provider.load(io.BytesIO(b'{"a": 1}')) == {"a": 1}


# -- DefaultJSONProvider.response


def test_response_single_value_compact() -> None:
    provider, _ = make_provider()
    response = provider.response({"b": [1, 2], "a": None})
    assert isinstance(response, StubResponse)
    assert response.body == '{"a":null,"b":[1,2]}\n'
    assert response.mimetype == "application/json"


@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        ((), {}, "null\n"),
        ((1,), {}, "1\n"),
        (([1],), {}, "[1]\n"),
        ((1, "a", None), {}, '[1,"a",null]\n'),
        ((), {"b": 2, "a": 1}, '{"a":1,"b":2}\n'),
    ],
)
def test_response_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], body: str) -> None:
    provider, _ = make_provider()
    assert provider.response(*args, **kwargs).body == body


def test_response_rejects_args_and_kwargs() -> None:
    provider, _ = make_provider()
    with pytest.raises(TypeError, match="either args or kwargs, not both"):
        provider.response(1, a=2)


def test_response_pretty_in_debug() -> None:
    provider, _ = make_provider(debug=True)
    assert provider.response({"b": [1], "a": 1}).body == '{\n  "a": 1,\n  "b": [\n    1\n  ]\n}\n'


@pytest.mark.parametrize(
    ("compact", "debug", "pretty"),
    [
        (None, False, False),
        (None, True, True),
        (True, True, False),
        (True, False, False),
        (False, False, True),
        (False, True, True),
    ],
)
def test_response_compact_setting(compact: bool | None, debug: bool, pretty: bool) -> None:
    provider, _ = make_provider(debug=debug)
    provider.compact = compact
    expected = '{\n  "a": 1,\n  "b": 2\n}\n' if pretty else '{"a":1,"b":2}\n'
    assert provider.response(a=1, b=2).body == expected


def test_response_reads_debug_on_each_call() -> None:
    provider, app = make_provider()
    assert provider.response([1]).body == "[1]\n"
    app.debug = True
    assert provider.response([1]).body == "[\n  1\n]\n"


def test_response_mimetype_attribute() -> None:
    provider, _ = make_provider()
    provider.mimetype = "application/vnd.api+json"
    assert provider.response(1).mimetype == "application/vnd.api+json"


def test_provider_holds_a_weak_reference_to_the_app() -> None:
    provider, app = make_provider()
    assert provider._app.debug is False
    del app
    gc.collect()
    with pytest.raises(ReferenceError):
        provider.response(1)


# -- JSONProvider base


def test_base_provider_requires_dumps_and_loads() -> None:
    provider = JSONProvider(FakeApp(debug=False, response_class=StubResponse))
    with pytest.raises(NotImplementedError):
        provider.dumps(1)
    with pytest.raises(NotImplementedError):
        provider.loads("1")


def test_base_provider_builds_on_dumps_and_loads() -> None:
    class ReprProvider(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return json.dumps(obj, separators=(",", ":"), **kwargs)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return json.loads(s, **kwargs)

    app = FakeApp(debug=True, response_class=StubResponse)
    provider = ReprProvider(app)
    out = io.StringIO()
    provider.dump([1, 2], out)
    assert out.getvalue() == "[1,2]"
    assert provider.load(io.StringIO("[1,2]")) == [1, 2]
    response = provider.response(b=1)
    assert (response.body, response.mimetype) == ('{"b":1}', "application/json")
    with pytest.raises(TypeError):
        provider.response(1, b=1)


# -- module helpers outside an application context


def test_module_dumps_without_app() -> None:
    # No app: plain json, insertion order, but the provider's extra types still work.
    assert dumps({"b": decimal.Decimal("1.5"), "a": Point(1, 2)}) == (
        '{"b": "1.5", "a": {"x": 1, "y": 2}}'
    )
    assert dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps(object())


def test_module_loads_dump_load_without_app() -> None:
    assert loads('{"a": 1}') == {"a": 1}
    assert loads(b"[1]") == [1]
    out = io.StringIO()
    dump({"when": datetime.date(2024, 1, 2)}, out)
    assert out.getvalue() == '{"when": "Tue, 02 Jan 2024 00:00:00 GMT"}'
    assert load(io.StringIO("[true]")) == [True]


def test_jsonify_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match=r"jsonify\(\) needs an application context"):
        jsonify(a=1)


# -- module helpers inside an application context


def test_module_helpers_use_the_app_provider(app: Any) -> None:
    class UpperProvider(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return {"loaded": super().loads(s, **kwargs)}

    app.json = UpperProvider(app)
    with app.app_context():
        assert dumps({"b": "x", "a": "y"}) == '{"A": "Y", "B": "X"}'
        assert loads("1") == {"loaded": 1}
        assert load(io.StringIO("2")) == {"loaded": 2}
        out = io.StringIO()
        dump(["a"], out)
        assert out.getvalue() == '["A"]'


def test_jsonify_in_app_context(app: Any) -> None:
    with app.app_context():
        response = jsonify({"b": 1, "a": [1, 2]})
        assert response.mimetype == "application/json"
        assert response.get_data(as_text=True) == '{"a":[1,2],"b":1}\n'
        assert jsonify(1, 2).get_data(as_text=True) == "[1,2]\n"
        assert jsonify(x=1).get_data(as_text=True) == '{"x":1}\n'
        with pytest.raises(TypeError):
            jsonify(1, x=1)
        app.debug = True
        assert jsonify(x=1).get_data(as_text=True) == '{\n  "x": 1\n}\n'


# -- TaggedJSONSerializer


# Expected strings follow the wire format of Flask's session cookies: a one-key object whose
# key is the tag, compact separators, and (outside an app context) insertion-ordered keys.
WIRE_CASES: list[tuple[Any, str]] = [
    ((1, 2), '{" t":[1,2]}'),
    ((), '{" t":[]}'),
    (b"\x00\xffhi", '{" b":"AP9oaQ=="}'),
    (
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        '{" u":"12345678123456781234567812345678"}',
    ),
    (Markup("<b>x</b>"), '{" m":"<b>x</b>"}'),
    (
        datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        '{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}',
    ),
    ({" t": [1, 2]}, '{" di":{" t__":[1,2]}}'),
    ({" t": (1, 2)}, '{" di":{" t__":{" t":[1,2]}}}'),
    ({" di": 1}, '{" di":{" di__":1}}'),
    ({"x__": 1, " t": 2}, '{"x__":1," t":2}'),
    (
        {"a": [1, (2, b"x")], "b": {"c": {" u": 1}}},
        '{"a":[1,{" t":[2,{" b":"eA=="}]}],"b":{"c":{" di":{" u__":1}}}}',
    ),
    (
        {"_flashes": [("message", "hi")], "_permanent": True, "csrf": "abc"},
        '{"_flashes":[{" t":["message","hi"]}],"_permanent":true,"csrf":"abc"}',
    ),
    ([], "[]"),
    ({}, "{}"),
    ("plain", '"plain"'),
    (None, "null"),
]


@pytest.mark.parametrize(("value", "wire"), WIRE_CASES)
def test_tagged_wire_format(value: Any, wire: str) -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.dumps(value) == wire
    loaded = serializer.loads(wire)
    assert loaded == value
    assert type(loaded) is type(value)


def test_tagged_wire_format_matches_flask() -> None:
    """Check the expected strings above against Flask itself (a dev dependency)."""
    from flask.json import tag as flask_tag

    flask_serializer = flask_tag.TaggedJSONSerializer()
    for value, wire in WIRE_CASES:
        assert flask_serializer.dumps(value) == wire
        assert TaggedJSONSerializer().loads(flask_serializer.dumps(value)) == value


def test_tagged_loads_bytes() -> None:
    assert TaggedJSONSerializer().loads(b'{" t":[1]}') == (1,)


def test_tagged_datetime_round_trip_is_utc_to_the_second() -> None:
    serializer = TaggedJSONSerializer()
    moment = datetime.datetime(2024, 6, 1, 12, 30, 15, 999, tzinfo=UTC)
    loaded = serializer.loads(serializer.dumps(moment))
    assert loaded == moment.replace(microsecond=0)
    assert loaded.tzinfo is not None
    assert loaded.utcoffset() == datetime.timedelta(0)

    paris = datetime.timezone(datetime.timedelta(hours=2))
    local = datetime.datetime(2024, 6, 1, 14, 30, 15, tzinfo=paris)
    assert serializer.loads(serializer.dumps(local)) == local


def test_tagged_nested_round_trip() -> None:
    serializer = TaggedJSONSerializer()
    value = {
        "user": {"id": uuid.UUID(int=7), "name": Markup("<i>Ann</i>")},
        "items": [(1, b"a"), [2, (3, [b"b"])], {" b": "not bytes"}],
        "seen": datetime.datetime(2020, 2, 29, tzinfo=UTC),
    }
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value
    assert isinstance(loaded["user"]["name"], Markup)
    assert isinstance(loaded["items"][1][1], tuple)
    assert loaded["items"][2] == {" b": "not bytes"}


def test_tagged_non_tag_dicts_stay_dicts() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.loads('{" zz":1}') == {" zz": 1}
    assert serializer.loads('{" t":[1]," b":"x"}') == {" t": [1], " b": "x"}


def test_tagged_unknown_types_fall_through_to_json() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.dumps({"n": decimal.Decimal("2.5")}) == '{"n":"2.5"}'
    with pytest.raises(TypeError, match="not JSON serializable"):
        serializer.dumps({"o": object()})


class TagFrozenSet(JSONTag):
    __slots__ = ()
    key = " fs"

    def check(self, value: Any) -> bool:
        return isinstance(value, frozenset)

    def to_json(self, value: Any) -> Any:
        return sorted(self.serializer.tag(item) for item in value)

    def to_python(self, value: Any) -> Any:
        return frozenset(value)


def test_register_custom_tag() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagFrozenSet)
    assert serializer.dumps({"s": frozenset({2, 1})}) == '{"s":{" fs":[1,2]}}'
    assert serializer.loads('{"s":{" fs":[1,2]}}') == {"s": frozenset({1, 2})}
    # A dict whose only key is the new tag is now escaped like the built-in ones.
    assert serializer.dumps({" fs": 1}) == '{" di":{" fs__":1}}'
    assert serializer.loads(serializer.dumps({" fs": 1})) == {" fs": 1}


def test_register_is_per_instance() -> None:
    TaggedJSONSerializer().register(TagFrozenSet)
    assert " fs" not in TaggedJSONSerializer().tags


def test_register_duplicate_key() -> None:
    class OtherTuple(JSONTag):
        key = " t"

        def check(self, value: Any) -> bool:
            return isinstance(value, tuple)

        def to_json(self, value: Any) -> Any:
            return list(value)

        def to_python(self, value: Any) -> Any:
            return ("replaced", *value)

    serializer = TaggedJSONSerializer()
    with pytest.raises(KeyError, match=r"' t' is already registered \(by TagTuple\)"):
        serializer.register(OtherTuple)
    serializer.register(OtherTuple, force=True)
    assert serializer.loads('{" t":[1]}') == ("replaced", 1)


def test_register_index_puts_subtypes_first() -> None:
    class Pair(tuple[int, int]):
        pass

    class TagPair(JSONTag):
        key = " pair"

        def check(self, value: Any) -> bool:
            return isinstance(value, Pair)

        def to_json(self, value: Any) -> Any:
            return list(value)

        def to_python(self, value: Any) -> Any:
            return Pair(value)

    appended = TaggedJSONSerializer()
    appended.register(TagPair)
    assert appended.dumps(Pair((1, 2))) == '{" t":[1,2]}'  # the tuple tag wins

    first = TaggedJSONSerializer()
    first.register(TagPair, index=0)
    assert first.dumps(Pair((1, 2))) == '{" pair":[1,2]}'
    assert type(first.loads('{" pair":[1,2]}')) is Pair


def test_untag_leaves_untagged_objects() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.untag({"a": 1, "b": 2}) == {"a": 1, "b": 2}
    assert serializer.untag({"plain": 1}) == {"plain": 1}
    assert serializer.untag({" u": uuid.UUID(int=3).hex}) == uuid.UUID(int=3)
