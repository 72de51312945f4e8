"""Tests for vial.routing: rules, converters, matching, redirects and URL building."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
import werkzeug.routing
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from vial.routing import (
    DEFAULT_CONVERTERS,
    BaseConverter,
    BuildError,
    Map,
    MethodNotAllowed,
    RequestRedirect,
    Rule,
    ValidationError,
)


def endpoint_of(urls: Map, path: str, method: str = "GET", **kwargs: Any) -> str | None:
    found = urls.match(path, method, **kwargs)
    return None if found is None else found[0].endpoint


def args_of(urls: Map, path: str, method: str = "GET", **kwargs: Any) -> dict[str, Any]:
    found = urls.match(path, method, **kwargs)
    assert found is not None, f"{path} did not match"
    return found[1]


def redirect_of(urls: Map, path: str, method: str = "GET", **kwargs: Any) -> str:
    with pytest.raises(RequestRedirect) as info:
        urls.match(path, method, **kwargs)
    assert info.value.code == 308
    return info.value.new_url


# --- converters ---------------------------------------------------------------------


def test_default_converter_matches_one_segment() -> None:
    urls = Map([Rule("/page/<name>", endpoint="page")])
    assert args_of(urls, "/page/hello world") == {"name": "hello world"}
    assert args_of(urls, "/page/ünïcode") == {"name": "ünïcode"}
    assert urls.match("/page/a/b", "GET") is None
    assert urls.match("/page/", "GET") is None


def test_string_converter_lengths() -> None:
    urls = Map(
        [
            Rule("/exact/<string(length=2):code>", endpoint="exact"),
            Rule("/range/<string(minlength=2, maxlength=3):code>", endpoint="range"),
        ]
    )
    assert args_of(urls, "/exact/de") == {"code": "de"}
    assert urls.match("/exact/d", "GET") is None
    assert urls.match("/exact/deu", "GET") is None
    assert endpoint_of(urls, "/range/ab") == "range"
    assert endpoint_of(urls, "/range/abc") == "range"
    assert urls.match("/range/a", "GET") is None
    assert urls.match("/range/abcd", "GET") is None


def test_int_converter_arguments() -> None:
    urls = Map(
        [
            Rule("/plain/<int:n>", endpoint="plain"),
            Rule("/fixed/<int(fixed_digits=4):n>", endpoint="fixed"),
            Rule("/range/<int(min=1, max=10):n>", endpoint="range"),
            Rule("/signed/<int(signed=True):n>", endpoint="signed"),
        ]
    )
    assert args_of(urls, "/plain/42") == {"n": 42}
    assert urls.match("/plain/4x", "GET") is None
    assert urls.match("/plain/-4", "GET") is None
    assert args_of(urls, "/fixed/0042") == {"n": 42}
    assert urls.match("/fixed/42", "GET") is None
    assert args_of(urls, "/range/10") == {"n": 10}
    assert urls.match("/range/0", "GET") is None
    assert urls.match("/range/11", "GET") is None
    assert args_of(urls, "/signed/-7") == {"n": -7}
    assert args_of(urls, "/signed/7") == {"n": 7}
    assert urls.build("fixed", {"n": 7}) == ("", "/fixed/0007")
    assert urls.build("signed", {"n": -3}) == ("", "/signed/-3")


def test_float_converter_arguments() -> None:
    urls = Map(
        [
            Rule("/p/<float:x>", endpoint="p"),
            Rule("/r/<float(min=0.5, max=1.5):x>", endpoint="r"),
            Rule("/s/<float(signed=True):x>", endpoint="s"),
        ]
    )
    assert args_of(urls, "/p/1.25") == {"x": 1.25}
    assert urls.match("/p/1", "GET") is None
    assert urls.match("/p/-1.5", "GET") is None
    assert args_of(urls, "/r/1.0") == {"x": 1.0}
    assert urls.match("/r/2.0", "GET") is None
    assert args_of(urls, "/s/-1.5") == {"x": -1.5}
    assert urls.build("p", {"x": 2}) == ("", "/p/2.0")


def test_uuid_converter() -> None:
    urls = Map([Rule("/obj/<uuid:id>", endpoint="obj")])
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert args_of(urls, f"/obj/{value}") == {"id": value}
    assert urls.match("/obj/12345678", "GET") is None
    assert urls.build("obj", {"id": value}) == ("", f"/obj/{value}")


def test_any_converter() -> None:
    urls = Map([Rule('/<any(about, help, class, "a,b"):page>', endpoint="page")])
    assert args_of(urls, "/about") == {"page": "about"}
    assert args_of(urls, "/class") == {"page": "class"}
    assert args_of(urls, "/a,b") == {"page": "a,b"}
    assert urls.match("/other", "GET") is None
    assert urls.match("/aboutx", "GET") is None
    assert urls.build("page", {"page": "help"}) == ("", "/help")
    with pytest.raises(ValueError, match="not one of"):
        urls.build("page", {"page": "other"})


def test_path_converter() -> None:
    urls = Map(
        [
            Rule("/wiki/<path:page>", endpoint="show"),
            Rule("/wiki/<path:page>/edit", endpoint="edit"),
            Rule("/files/<path:name>.txt", endpoint="text"),
        ]
    )
    assert args_of(urls, "/wiki/a/b/c") == {"page": "a/b/c"}
    assert endpoint_of(urls, "/wiki/a/b/edit") == "edit"
    assert args_of(urls, "/wiki/a/b/edit") == {"page": "a/b"}
    assert args_of(urls, "/files/x/y.txt") == {"name": "x/y"}
    assert urls.match("/wiki/", "GET") is None
    assert urls.build("show", {"page": "a/b c"}) == ("", "/wiki/a/b%20c")


def test_path_converter_with_trailing_slash() -> None:
    urls = Map([Rule("/dir/<path:p>/", endpoint="dir")])
    assert args_of(urls, "/dir/a/b/") == {"p": "a/b"}
    assert redirect_of(urls, "/dir/a/b") == "/dir/a/b/"


def test_validation_error_falls_through_to_next_rule() -> None:
    class EvenConverter(BaseConverter):
        regex = r"\d+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValidationError()
            return int(value)

    urls = Map(converters={"even": EvenConverter})
    urls.add(Rule("/n/<even:n>", endpoint="even"))
    urls.add(Rule("/n/<n>", endpoint="other"))
    assert endpoint_of(urls, "/n/4") == "even"
    assert args_of(urls, "/n/4") == {"n": 4}
    assert endpoint_of(urls, "/n/3") == "other"
    assert args_of(urls, "/n/3") == {"n": "3"}


def test_custom_converter_registered_on_map() -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split("+")

        def to_url(self, value: Any) -> str:
            return "+".join(super(ListConverter, self).to_url(v) for v in value)

    urls = Map()
    urls.converters["list"] = ListConverter
    urls.add(Rule("/tags/<list:tags>", endpoint="tags"))
    assert args_of(urls, "/tags/a+b+c") == {"tags": ["a", "b", "c"]}
    assert urls.build("tags", {"tags": ["x", "y z"]}) == ("", "/tags/x+y%20z")


def test_custom_converter_with_arguments_and_slash_regex() -> None:
    class PrefixConverter(BaseConverter):
        regex = r"[a-z]+/[a-z]+"

        def __init__(self, map: Map, prefix: str) -> None:
            super().__init__(map)
            self.prefix = prefix

        def to_python(self, value: str) -> str:
            return self.prefix + value

    assert PrefixConverter.part_isolating is False
    urls = Map([Rule("/x/<pre(p_):v>/end", endpoint="x")], converters={"pre": PrefixConverter})
    assert args_of(urls, "/x/ab/cd/end") == {"v": "p_ab/cd"}


def test_werkzeug_converter_subclass_works() -> None:
    class HexConverter(werkzeug.routing.BaseConverter):
        regex = "[0-9a-f]+"

        def to_python(self, value: str) -> int:
            return int(value, 16)

        def to_url(self, value: Any) -> str:
            return f"{value:x}"

    urls = Map([Rule("/c/<hex:color>", endpoint="c")], converters={"hex": HexConverter})
    urls.add(Rule("/w/<int:n>", endpoint="w"))
    assert args_of(urls, "/c/ff") == {"color": 255}
    assert urls.match("/c/zz", "GET") is None
    assert urls.build("c", {"color": 4095}) == ("", "/c/fff")
    wz = Map(
        [Rule("/i/<wint:n>", endpoint="i")], converters={"wint": werkzeug.routing.IntegerConverter}
    )
    assert args_of(wz, "/i/12") == {"n": 12}


# --- Werkzeug rules and rule factories ------------------------------------------------


def test_werkzeug_rule_is_added_as_a_vial_rule() -> None:
    urls = Map()
    urls.add(
        werkzeug.routing.Rule(
            "/post/<int:id>", endpoint="post", methods=["POST"], defaults={"page": 1}
        )
    )
    (rule,) = urls.iter_rules()
    assert isinstance(rule, Rule)
    assert rule.methods == {"POST"}
    assert args_of(urls, "/post/3", "POST") == {"id": 3, "page": 1}
    with pytest.raises(MethodNotAllowed):
        urls.match("/post/3", "GET")
    assert urls.build("post", {"id": 4, "page": 1}) == ("", "/post/4")


def test_werkzeug_rule_options_carry_over() -> None:
    wz = werkzeug.routing
    urls = Map(
        [
            wz.Rule("/dir/", endpoint="dir", strict_slashes=False),
            wz.Rule("/old/<int:n>", endpoint="old", redirect_to="new/<n>"),
            wz.Rule("/only/built", endpoint="built", build_only=True),
            wz.Rule("/", endpoint="lang", subdomain="<lang>"),
        ]
    )
    assert endpoint_of(urls, "/dir") == "dir"
    assert redirect_of(urls, "/old/7") == "/new/7"
    assert urls.match("/only/built", "GET") is None
    assert urls.build("built") == ("", "/only/built")
    assert endpoint_of(urls, "/", domain="de") == "lang"
    assert urls.build("lang", {"lang": "fr"}) == ("fr", "/")


def test_werkzeug_rule_factories() -> None:
    wz = werkzeug.routing
    resource = wz.RuleTemplate([wz.Rule("/$name/<int:id>", endpoint="$name.show")])
    urls = Map()
    urls.add(wz.Submount("/foo", [wz.Rule("/bar", endpoint="bar"), wz.Rule("/", endpoint="index")]))
    urls.add(wz.EndpointPrefix("blog.", [wz.Submount("/blog", [wz.Rule("/", endpoint="index")])]))
    urls.add(wz.Subdomain("api", [wz.Rule("/", endpoint="api")]))
    urls.add(resource(name="user"))
    assert endpoint_of(urls, "/foo/") == "index"
    assert endpoint_of(urls, "/foo/bar") == "bar"
    assert endpoint_of(urls, "/blog/") == "blog.index"
    assert endpoint_of(urls, "/", domain="api") == "api"
    assert args_of(urls, "/user/5") == {"id": 5}
    assert urls.build("blog.index") == ("", "/blog/")
    assert urls.build("api") == ("api", "/")
    assert urls.build("user.show", {"id": 2}) == ("", "/user/2")


def test_werkzeug_rules_through_the_app(app: Any, client: Any) -> None:
    wz = werkzeug.routing
    app.url_map.add(
        wz.EndpointPrefix("shop.", [wz.Submount("/shop", [wz.Rule("/<int:n>", endpoint="item")])])
    )

    @app.endpoint("shop.item")
    def item(n: int) -> str:
        return f"item {n}"

    assert client.get("/shop/3").text == "item 3"
    with app.test_request_context():
        assert app.url_for("shop.item", n=4) == "/shop/4"


@pytest.mark.parametrize("feature", ["alias", "websocket"])
def test_unsupported_werkzeug_rule_features_are_refused(feature: str) -> None:
    rule = werkzeug.routing.Rule("/a", endpoint="a", **{feature: True})
    with pytest.raises(ValueError, match=f"{feature}=True is not supported"):
        Map([rule])


def test_map_add_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match="get_rules"):
        Map().add("/a")  # type: ignore[arg-type]


def test_default_converters_names() -> None:
    assert set(DEFAULT_CONVERTERS) == {"default", "string", "any", "path", "int", "float", "uuid"}


# --- precedence ---------------------------------------------------------------------


def test_static_beats_dynamic_in_any_order() -> None:
    urls = Map([Rule("/user/<name>", endpoint="show"), Rule("/user/new", endpoint="new")])
    assert endpoint_of(urls, "/user/new") == "new"
    assert endpoint_of(urls, "/user/bob") == "show"
    deep = Map([Rule("/<a>/x", endpoint="dyn"), Rule("/s/<b>", endpoint="static_first")])
    assert endpoint_of(deep, "/s/x") == "static_first"
    assert endpoint_of(deep, "/t/x") == "dyn"


def test_static_rule_with_wrong_method_falls_back_to_dynamic() -> None:
    urls = Map(
        [
            Rule("/user/new", endpoint="new", methods=["GET"]),
            Rule("/user/<name>", endpoint="update", methods=["POST"]),
        ]
    )
    assert endpoint_of(urls, "/user/new", "POST") == "update"


def test_converter_weight_order() -> None:
    urls = Map(
        [
            Rule("/<path:p>", endpoint="path"),
            Rule("/<name>", endpoint="string"),
            Rule("/<uuid:u>", endpoint="uuid"),
            Rule("/<int:n>", endpoint="int"),
        ]
    )
    assert endpoint_of(urls, "/42") == "int"
    assert endpoint_of(urls, f"/{uuid.uuid4()}") == "uuid"
    assert endpoint_of(urls, "/bob") == "string"
    assert endpoint_of(urls, "/a/b") == "path"


def test_more_literal_segment_wins() -> None:
    urls = Map([Rule("/f/<name>", endpoint="any"), Rule("/f/<name>.json", endpoint="json")])
    assert endpoint_of(urls, "/f/data.json") == "json"
    assert args_of(urls, "/f/data.json") == {"name": "data"}
    assert endpoint_of(urls, "/f/data.xml") == "any"


def test_several_converters_in_one_segment() -> None:
    urls = Map(
        [
            Rule("/file/<name>.<ext>", endpoint="file"),
            Rule("/v<int:major>.<int:minor>/x", endpoint="version"),
        ]
    )
    assert args_of(urls, "/file/archive.tar.gz") == {"name": "archive.tar", "ext": "gz"}
    assert args_of(urls, "/v1.12/x") == {"major": 1, "minor": 12}
    assert urls.match("/v1.x/x", "GET") is None
    assert urls.build("version", {"major": 2, "minor": 0}) == ("", "/v2.0/x")


def test_backtracking_across_segments() -> None:
    urls = Map([Rule("/<a>/b/c", endpoint="one"), Rule("/x/<b>/d", endpoint="two")])
    assert args_of(urls, "/x/b/d") == {"b": "b"}
    assert args_of(urls, "/x/b/c") == {"a": "x"}


# --- methods ------------------------------------------------------------------------


def test_methods_and_405() -> None:
    urls = Map(
        [
            Rule("/item", endpoint="read", methods=["GET"]),
            Rule("/item", endpoint="write", methods=["post", "PUT"]),
        ]
    )
    assert endpoint_of(urls, "/item", "GET") == "read"
    assert endpoint_of(urls, "/item", "POST") == "write"
    assert endpoint_of(urls, "/item", "PUT") == "write"
    with pytest.raises(MethodNotAllowed) as info:
        urls.match("/item", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD", "POST", "PUT"]
    assert isinstance(info.value, HTTPException)
    assert urls.match("/other", "DELETE") is None


def test_405_for_dynamic_rule() -> None:
    urls = Map([Rule("/u/<int:id>", endpoint="u", methods=["POST"])])
    with pytest.raises(MethodNotAllowed) as info:
        urls.match("/u/1", "GET")
    assert info.value.valid_methods == ["POST"]
    assert urls.match("/u/x", "GET") is None


def test_head_added_with_get_and_none_accepts_any() -> None:
    rule = Rule("/", endpoint="index", methods=["GET"])
    assert rule.methods == {"GET", "HEAD"}
    assert Rule("/", methods=["POST"]).methods == {"POST"}
    urls = Map([rule, Rule("/any", endpoint="any")])
    assert endpoint_of(urls, "/", "HEAD") == "index"
    assert endpoint_of(urls, "/any", "PATCH") == "any"
    assert urls.iter_rules("any").__next__().methods is None


def test_first_rule_accepting_method_wins() -> None:
    urls = Map(
        [
            Rule("/x/<int:n>", endpoint="first", methods=["GET"]),
            Rule("/x/<int:n>", endpoint="second", methods=["GET", "POST"]),
        ]
    )
    assert endpoint_of(urls, "/x/1", "GET") == "first"
    assert endpoint_of(urls, "/x/1", "POST") == "second"


def test_allowed_methods() -> None:
    urls = Map(
        [
            Rule("/a", endpoint="a", methods=["GET"]),
            Rule("/a", endpoint="b", methods=["POST", "OPTIONS"]),
            Rule("/<name>", endpoint="c", methods=["DELETE"]),
            Rule("/n/<int:id>", endpoint="d", methods=["PUT"]),
        ]
    )
    assert urls.allowed_methods("/a") == {"GET", "HEAD", "POST", "OPTIONS", "DELETE"}
    assert urls.allowed_methods("/zzz") == {"DELETE"}
    assert urls.allowed_methods("/n/1") == {"PUT"}
    assert urls.allowed_methods("/n/x") == set()
    assert urls.allowed_methods("/missing/path") == set()


# --- slashes ------------------------------------------------------------------------


def test_strict_slashes_redirects_to_branch() -> None:
    urls = Map([Rule("/foo/", endpoint="foo"), Rule("/u/<name>/", endpoint="u")])
    assert endpoint_of(urls, "/foo/") == "foo"
    assert redirect_of(urls, "/foo") == "/foo/"
    assert redirect_of(urls, "/foo", query_string="a=1&b=2") == "/foo/?a=1&b=2"
    assert redirect_of(urls, "/u/b ö") == "/u/b%20%C3%B6/"


def test_strict_slashes_leaf_does_not_match_slash() -> None:
    urls = Map([Rule("/leaf", endpoint="leaf")])
    assert urls.match("/leaf/", "GET") is None


def test_non_strict_slashes_match_both() -> None:
    urls = Map(
        [
            Rule("/branch/", endpoint="branch", strict_slashes=False),
            Rule("/leaf", endpoint="leaf", strict_slashes=False),
            Rule("/n/<int:id>", endpoint="n", strict_slashes=False),
        ]
    )
    assert endpoint_of(urls, "/branch") == "branch"
    assert endpoint_of(urls, "/branch/") == "branch"
    assert endpoint_of(urls, "/leaf") == "leaf"
    assert endpoint_of(urls, "/leaf/") == "leaf"
    assert args_of(urls, "/n/3/") == {"id": 3}
    relaxed = Map([Rule("/b/", endpoint="b")], strict_slashes=False)
    assert endpoint_of(relaxed, "/b") == "b"


def test_merge_slashes() -> None:
    urls = Map(
        [
            Rule("/a/b", endpoint="ab"),
            Rule("/f/<path:p>", endpoint="f"),
            Rule("/keep//this", endpoint="keep", merge_slashes=False),
            Rule("/c/d", endpoint="cd", merge_slashes=False),
        ]
    )
    assert redirect_of(urls, "//a///b") == "/a/b"
    assert redirect_of(urls, "/a//b", query_string="x=1") == "/a/b?x=1"
    assert urls.match("/a//c", "GET") is None
    assert args_of(urls, "/f/x//y") == {"p": "x//y"}
    assert endpoint_of(urls, "/keep//this") == "keep"
    assert urls.match("/c//d", "GET") is None
    assert Map([Rule("/a//b", endpoint="ab")]).build("ab") == ("", "/a/b")
    off = Map([Rule("/a/b", endpoint="ab")], merge_slashes=False)
    assert off.match("/a//b", "GET") is None


def test_merge_slashes_then_trailing_slash() -> None:
    urls = Map([Rule("/a/b/", endpoint="ab")])
    assert redirect_of(urls, "/a//b") == "/a/b/"


# --- redirects ----------------------------------------------------------------------


def test_redirect_to_string() -> None:
    urls = Map(
        [
            Rule("/new/<int:id>/<slug>", endpoint="new"),
            Rule("/old/<int:id>/<slug>", redirect_to="/new/<id>/<slug>", endpoint="old"),
            Rule("/rel/<slug>", redirect_to="new/0/<slug>", endpoint="rel"),
            Rule("/ext", redirect_to="https://example.com/x", endpoint="ext"),
        ]
    )
    assert redirect_of(urls, "/old/5/a b") == "/new/5/a%20b"
    assert redirect_of(urls, "/rel/x") == "/new/0/x"
    assert redirect_of(urls, "/ext", query_string="q=1") == "https://example.com/x"


def test_redirect_to_callable() -> None:
    seen: list[Any] = []

    def target(map: Map, **values: Any) -> str:
        seen.append((map, values))
        return f"/users/{values['id'] * 2}"

    urls = Map([Rule("/u/<int:id>", redirect_to=target, endpoint="u")])
    assert redirect_of(urls, "/u/21") == "/users/42"
    assert seen == [(urls, {"id": 21})]


def test_redirect_to_unknown_placeholder_is_rejected() -> None:
    with pytest.raises(ValueError, match="nope"):
        Map([Rule("/x/<a>", redirect_to="/y/<nope>", endpoint="x")])


def test_defaults_in_matching_and_building() -> None:
    urls = Map(
        [
            Rule("/users/", endpoint="users", defaults={"page": 1}),
            Rule("/users/page/<int:page>", endpoint="users"),
            Rule("/feed", endpoint="feed", defaults={"format": "rss"}),
        ]
    )
    assert args_of(urls, "/users/") == {"page": 1}
    assert args_of(urls, "/users/page/2") == {"page": 2}
    assert args_of(urls, "/feed") == {"format": "rss"}
    assert urls.build("users") == ("", "/users/")
    assert urls.build("users", {"page": 1}) == ("", "/users/")
    assert urls.build("users", {"page": 3}) == ("", "/users/page/3")
    assert urls.build("feed", {"format": "rss"}) == ("", "/feed")
    with pytest.raises(BuildError):
        urls.build("feed", {"format": "atom"})


def test_view_args_are_fresh_dicts() -> None:
    urls = Map([Rule("/s", endpoint="s", defaults={"a": 1})])
    found = urls.match("/s", "GET")
    assert found is not None
    found[1]["a"] = 99
    assert args_of(urls, "/s") == {"a": 1}


def test_redirect_defaults() -> None:
    rules = [
        Rule("/users/page/<int:page>", endpoint="users"),
        Rule("/users/", endpoint="users", defaults={"page": 1}),
    ]
    urls = Map(rules)
    assert redirect_of(urls, "/users/page/1", query_string="s=x") == "/users/?s=x"
    assert args_of(urls, "/users/page/2") == {"page": 2}
    assert urls.build("users", {"page": 1}) == ("", "/users/")
    off = Map(
        [
            Rule("/users/page/<int:page>", endpoint="users"),
            Rule("/users/", endpoint="users", defaults={"page": 1}),
        ],
        redirect_defaults=False,
    )
    assert args_of(off, "/users/page/1") == {"page": 1}


# --- domains ------------------------------------------------------------------------


def test_subdomain_matching() -> None:
    urls = Map(
        [
            Rule("/", endpoint="index"),
            Rule("/", subdomain="api", endpoint="api_index"),
            Rule("/profile/<int:n>", subdomain="<user>", endpoint="profile"),
        ]
    )
    assert endpoint_of(urls, "/") == "index"
    assert endpoint_of(urls, "/", domain="") == "index"
    assert endpoint_of(urls, "/", domain="api") == "api_index"
    assert args_of(urls, "/profile/3", domain="alice") == {"user": "alice", "n": 3}
    assert urls.match("/profile/3", "GET") is None
    assert urls.build("profile", {"user": "bob", "n": 1}) == ("bob", "/profile/1")
    assert urls.build("api_index") == ("api", "/")
    assert urls.build("index") == ("", "/")


def test_default_subdomain() -> None:
    urls = Map([Rule("/", endpoint="index")], default_subdomain="www")
    assert endpoint_of(urls, "/") == "index"
    assert endpoint_of(urls, "/", domain="www") == "index"
    assert urls.match("/", "GET", domain="other") is None
    assert urls.build("index") == ("www", "/")


def test_host_matching_with_converters() -> None:
    urls = Map(
        [
            Rule("/", host="example.com", endpoint="main"),
            Rule("/", host="<sub>.example.com", endpoint="sub"),
            Rule("/p/<int:n>", host="<string(length=2):lang>.example.org", endpoint="page"),
            Rule("/static", endpoint="static"),
        ],
        host_matching=True,
    )
    assert endpoint_of(urls, "/", domain="example.com") == "main"
    assert args_of(urls, "/", domain="blog.example.com") == {"sub": "blog"}
    assert args_of(urls, "/p/4", domain="de.example.org") == {"lang": "de", "n": 4}
    assert urls.match("/p/4", "GET", domain="deu.example.org") is None
    assert urls.match("/", "GET", domain="example.net") is None
    assert endpoint_of(urls, "/static") == "static"
    assert urls.build("sub", {"sub": "shop"}) == ("shop.example.com", "/")
    assert urls.build("page", {"lang": "fr", "n": 2}) == ("fr.example.org", "/p/2")


# --- building -----------------------------------------------------------------------


def test_build_query_args() -> None:
    urls = Map([Rule("/s/<name>", endpoint="s"), Rule("/", endpoint="index")])
    assert urls.build("s", {"name": "x", "q": "a b", "n": 1}) == ("", "/s/x?q=a+b&n=1")
    assert urls.build("index", {"tag": ["a", "b"], "t": ("c",)}) == ("", "/?tag=a&tag=b&t=c")
    assert urls.build("index", {"skip": None, "keep": 0}) == ("", "/?keep=0")
    assert urls.build("index", {"x": "1"}, append_unknown=False) == ("", "/")
    multi = MultiDict([("tag", "a"), ("tag", "b"), ("one", "1")])
    assert urls.build("index", multi) == ("", "/?tag=a&tag=b&one=1")
    assert urls.build("s", MultiDict([("name", "n")])) == ("", "/s/n")


def test_build_quotes_values() -> None:
    urls = Map([Rule("/s/<name>", endpoint="s"), Rule("/p/<path:p>", endpoint="p")])
    assert urls.build("s", {"name": "é ü"}) == ("", "/s/%C3%A9%20%C3%BC")
    assert urls.build("s", {"name": "a?b#c%"}) == ("", "/s/a%3Fb%23c%25")
    # '/' is safe in a path segment, as in Werkzeug's converters.
    assert urls.build("s", {"name": "a/b"}) == ("", "/s/a/b")
    assert urls.build("p", {"p": "dir/file name.txt"}) == ("", "/p/dir/file%20name.txt")
    assert Map([Rule("/ü/<x>", endpoint="u")]).build("u", {"x": 1}) == ("", "/%C3%BC/1")


def test_build_prefers_rule_with_more_arguments() -> None:
    urls = Map([Rule("/", endpoint="index"), Rule("/<lang>/", endpoint="index")])
    assert urls.build("index") == ("", "/")
    assert urls.build("index", {"lang": "de"}) == ("", "/de/")


def test_method_specific_build() -> None:
    urls = Map(
        [
            Rule("/create", endpoint="item", methods=["POST"]),
            Rule("/view", endpoint="item", methods=["GET"]),
        ]
    )
    assert urls.build("item") == ("", "/view")
    assert urls.build("item", method="POST") == ("", "/create")
    assert urls.build("item", method="GET") == ("", "/view")
    only_post = Map([Rule("/p", endpoint="p", methods=["POST"])])
    assert only_post.build("p") == ("", "/p")
    with pytest.raises(BuildError):
        only_post.build("p", method="GET")


def test_build_error_messages() -> None:
    urls = Map(
        [Rule("/user/<int:id>", endpoint="user"), Rule("/p", endpoint="post", methods=["POST"])]
    )
    with pytest.raises(BuildError) as info:
        urls.build("user")
    assert str(info.value) == (
        "Could not build url for endpoint 'user'. Did you forget to specify values ['id']?"
    )
    assert isinstance(info.value, werkzeug.routing.BuildError)
    assert info.value.endpoint == "user"
    with pytest.raises(werkzeug.routing.BuildError) as wz_info:
        urls.build("usr", {"id": 1})
    assert "Did you mean 'user' instead?" in str(wz_info.value)
    with pytest.raises(BuildError) as info:
        urls.build("post", method="GET")
    assert "methods ['POST']" in str(info.value)
    standalone = BuildError("x", {}, None)
    assert str(standalone) == "Could not build url for endpoint 'x'."


def test_build_to_url_validation_error_skips_rule() -> None:
    class OddOnly(BaseConverter):
        def to_url(self, value: Any) -> str:
            if int(value) % 2 == 0:
                raise ValidationError()
            return str(value)

    urls = Map(converters={"odd": OddOnly})
    urls.add(Rule("/odd/<odd:n>", endpoint="n"))
    urls.add(Rule("/any/<n>", endpoint="n"))
    assert urls.build("n", {"n": 3}) == ("", "/odd/3")
    assert urls.build("n", {"n": 4}) == ("", "/any/4")


def test_is_endpoint_expecting() -> None:
    urls = Map([Rule("/<lang>/", endpoint="index"), Rule("/about", endpoint="about")])
    assert urls.is_endpoint_expecting("index", "lang")
    assert not urls.is_endpoint_expecting("about", "lang")


# --- rule strings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("string", "message"),
    [
        ("/user/<name", "unclosed"),
        ("/user/<int(min=1:name>", "unclosed"),
        ("/user/<>", "unclosed"),
        ("/a/<x>/<int:x>", "twice"),
        ("no-slash", "must start with a slash"),
        ("/a/<int(min=1 2):x>", "cannot parse"),
    ],
)
def test_malformed_rules(string: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        Rule(string)
    assert string in str(info.value)


def test_unknown_converter_and_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown converter 'nope'") as info:
        Map([Rule("/x/<nope:y>")])
    assert "/x/<nope:y>" in str(info.value)
    with pytest.raises(ValueError, match="rejects the arguments"):
        Map([Rule("/x/<int(bogus=1):y>")])
    with pytest.raises(ValueError, match="twice"):
        Map([Rule("/<x>", subdomain="<x>")])


def test_failed_add_leaves_rule_unbound() -> None:
    rule = Rule("/x/<later:v>", endpoint="x")
    urls = Map()
    with pytest.raises(ValueError, match="unknown converter"):
        urls.add(rule)
    assert rule.map is None
    assert rule.strict_slashes is None
    assert list(urls) == []
    urls.converters["later"] = DEFAULT_CONVERTERS["int"]
    urls.add(rule)
    assert args_of(urls, "/x/5") == {"v": 5}


def test_rule_guards() -> None:
    with pytest.raises(TypeError, match="methods"):
        Rule("/", methods="GET")
    rule = Rule("/", endpoint="index")
    Map([rule])
    with pytest.raises(RuntimeError, match="already"):
        Map([rule])


def test_rule_attributes_and_repr() -> None:
    rule = Rule(
        "/home/<int:id>/<name>/",
        endpoint="home",
        methods=["get", "OPTIONS"],
        defaults={"tab": "main"},
    )
    assert rule.rule == "/home/<int:id>/<name>/"
    assert rule.arguments == {"id", "name", "tab"}
    assert rule.provide_automatic_options is False
    assert rule.map is None
    assert repr(rule) == "<Rule '/home/<int:id>/<name>/' (GET, HEAD, OPTIONS) -> home>"
    urls = Map([rule])
    assert rule.map is urls
    assert rule.strict_slashes is True
    assert rule.merge_slashes is True
    assert rule.subdomain == ""
    assert str(rule) == "/home/<int:id>/<name>/"


def test_converter_arguments_are_literals() -> None:
    urls = Map(
        [
            Rule("/a/<any(\"x y\", 'z', w):v>", endpoint="a"),
            Rule("/b/<int(min=-5, signed=True):n>", endpoint="b"),
        ]
    )
    assert args_of(urls, "/a/x y") == {"v": "x y"}
    assert args_of(urls, "/a/z") == {"v": "z"}
    assert args_of(urls, "/b/-5") == {"n": -5}
    assert urls.match("/b/-6", "GET") is None


def test_map_is_printable_and_iterable() -> None:
    rules = [Rule("/", endpoint="index"), Rule("/a/<x>", endpoint="a", methods=["POST"])]
    urls = Map(rules)
    assert list(urls) == rules
    assert list(urls.iter_rules()) == rules
    assert list(urls.iter_rules("a")) == [rules[1]]
    assert list(urls.iter_rules("missing")) == []
    text = repr(urls)
    assert text.startswith("Map(")
    assert "<Rule '/a/<x>' (POST) -> a>" in text


def test_rule_without_variables_or_domain_repr() -> None:
    urls = Map([Rule("/x", subdomain="api", endpoint="x")])
    assert repr(next(iter(urls))) == "<Rule 'api|/x' -> x>"


def test_build_only_rules_never_match() -> None:
    urls = Map([Rule("/static/<path:f>", endpoint="static", build_only=True)])
    assert urls.match("/static/a.css", "GET") is None
    assert urls.build("static", {"f": "a.css"}) == ("", "/static/a.css")


# --- scale --------------------------------------------------------------------------


def test_thousand_rules_match_correctly() -> None:
    rules = []
    for i in range(1_000):
        kind = i % 4
        if kind == 0:
            rules.append(Rule(f"/static{i}/page", endpoint=f"e{i}"))
        elif kind == 1:
            rules.append(Rule(f"/item{i}/<int:id>", endpoint=f"e{i}"))
        elif kind == 2:
            rules.append(Rule(f"/u{i}/<name>/posts/<int:n>", endpoint=f"e{i}"))
        else:
            rules.append(Rule(f"/<lang>/doc{i}/<path:p>", endpoint=f"e{i}"))
    urls = Map(rules)
    expected: dict[str, Any]
    for i in range(1_000):
        kind = i % 4
        if kind == 0:
            path, expected = f"/static{i}/page", {}
        elif kind == 1:
            path, expected = f"/item{i}/{i}", {"id": i}
        elif kind == 2:
            path, expected = f"/u{i}/bob/posts/{i}", {"name": "bob", "n": i}
        else:
            path, expected = f"/en/doc{i}/a/b", {"lang": "en", "p": "a/b"}
        found = urls.match(path, "GET")
        assert found is not None, path
        assert found[0].endpoint == f"e{i}"
        assert found[1] == expected
        assert urls.build(f"e{i}", expected) == ("", path)
    assert urls.match("/item1/x", "GET") is None
    assert urls.match("/nothing", "GET") is None


# --- the compiled matcher -----------------------------------------------------------
# Map.match runs Python code generated from the rule trie. These tests cover what
# that code does specially: inlined converters, dispatch tables, nesting limits,
# recompiling, and agreement with the interpreted search it mirrors.


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/n/007", {"n": 7}),
        ("/n/0", {"n": 0}),
        ("/n/\u0664\u0662", {"n": 42}),  # Arabic-Indic digits: \d and int() accept them
        ("/n/\uff11", {"n": 1}),  # a fullwidth digit
        ("/n/-1", None),
        ("/n/+1", None),
        ("/n/\u00b2", None),  # a superscript is a digit but not a decimal
        ("/n/ 1", None),
        ("/n/1 ", None),
        ("/n/1_000", None),
        ("/n/1\n", None),
        ("/n/", None),
        ("/n/" + "9" * 40, {"n": int("9" * 40)}),
        ("/s/-0", {"n": 0}),
        ("/s/-\u0664", {"n": -4}),
        ("/s/--1", None),
        ("/s/+1", None),
        ("/e/", {"x": ""}),
        ("/e/a", {"x": "a"}),
        ("/f/\u0661.\u0665", {"x": 1.5}),
        ("/f/1.", None),
    ],
)
def test_number_and_string_edge_cases_match_werkzeug(
    path: str, expected: dict[str, Any] | None
) -> None:
    rules = [
        ("/n/<int:n>", "n"),
        ("/s/<int(signed=True):n>", "s"),
        ("/e/<string(minlength=0):x>", "e"),
        ("/f/<float:x>", "f"),
    ]
    urls = Map([Rule(string, endpoint=endpoint) for string, endpoint in rules])
    found = urls.match(path, "GET")
    assert (None if found is None else found[1]) == expected
    reference = werkzeug.routing.Map(
        [werkzeug.routing.Rule(string, endpoint=endpoint) for string, endpoint in rules]
    ).bind("localhost")
    try:
        assert reference.match(path)[1] == expected
    except werkzeug.exceptions.NotFound:
        assert expected is None


def test_length_bounds_are_checked_without_regex() -> None:
    urls = Map(
        [
            Rule("/a/<string(length=3):code>", endpoint="exact"),
            Rule("/a/<string(minlength=5):code>", endpoint="long"),
            Rule("/a/<string(minlength=1, maxlength=2):code>", endpoint="short"),
        ]
    )
    assert endpoint_of(urls, "/a/abc") == "exact"
    assert endpoint_of(urls, "/a/abcdef") == "long"
    assert endpoint_of(urls, "/a/ab") == "short"
    assert urls.match("/a/abcd", "GET") is None
    assert urls.match("/a/", "GET") is None
    assert args_of(urls, "/a/\u00e9\u00e9\u00e9") == {"code": "\u00e9\u00e9\u00e9"}


def test_empty_segments() -> None:
    urls = Map(
        [
            Rule("/users/<name>/posts/<int:id>", endpoint="post"),
            Rule("/keep//<x>", endpoint="keep", merge_slashes=False),
            Rule("/tail/<path:p>", endpoint="tail"),
        ]
    )
    assert urls.match("/users//posts/1", "GET") is None
    assert urls.match("/users/bob/posts/", "GET") is None
    assert redirect_of(urls, "/users/bob//posts/1") == "/users/bob/posts/1"
    assert args_of(urls, "/keep//a") == {"x": "a"}
    assert urls.match("/keep/a", "GET") is None
    assert args_of(urls, "/tail/a//b/") == {"p": "a//b/"}
    assert urls.match("/tail/", "GET") is None
    assert redirect_of(urls, "/tail//a") == "/tail/a"


def test_percent_encoded_slash_stays_in_its_segment() -> None:
    # Map.match receives the decoded path; a server that keeps %2F encoded passes it on.
    urls = Map([Rule("/files/<name>", endpoint="file"), Rule("/raw/<path:p>", endpoint="raw")])
    assert args_of(urls, "/files/a%2Fb") == {"name": "a%2Fb"}
    assert urls.match("/files/a/b", "GET") is None
    assert args_of(urls, "/raw/a%2Fb/c") == {"p": "a%2Fb/c"}


def test_percent_encoded_slash_through_the_app(client: Any, app: Any) -> None:
    app.add_url_rule("/files/<name>", "file", lambda name: f"file {name}")
    app.add_url_rule("/raw/<path:p>", "raw", lambda p: f"raw {p}")
    assert client.get("/raw/a%2Fb").text == "raw a/b"
    assert client.get("/files/a%20b").text == "file a b"
    assert client.get("/files/a%2Fb").status_code == 404


def test_unrooted_and_empty_paths() -> None:
    urls = Map([Rule("/", endpoint="index"), Rule("/user/<int:id>", endpoint="user")])
    assert endpoint_of(urls, "") == "index"
    assert args_of(urls, "user/42") == {"id": 42}


def test_very_long_paths() -> None:
    deep = "/".join(f"s{i}" for i in range(80))
    urls = Map(
        [
            Rule(f"/{deep}/<int:n>", endpoint="deep"),
            Rule(f"/{deep}/<name>/x", endpoint="deep_name"),
            Rule("/p/<path:rest>", endpoint="rest"),
            Rule("/one/<name>", endpoint="one"),
        ]
    )
    assert args_of(urls, f"/{deep}/7") == {"n": 7}
    assert args_of(urls, f"/{deep}/bob/x") == {"name": "bob"}
    assert urls.match(f"/{deep}/bob", "GET") is None
    many = "/".join(["a"] * 5_000)
    assert args_of(urls, f"/p/{many}") == {"rest": many}
    assert urls.match(f"/{many}", "GET") is None
    long_name = "x" * 100_000
    assert args_of(urls, f"/one/{long_name}") == {"name": long_name}


def test_many_static_children_beside_dynamic_ones() -> None:
    rules = [Rule(f"/s{i}/<int:n>", endpoint=f"s{i}", methods=["GET"]) for i in range(300)]
    rules += [
        Rule("/<name>/<int:n>", endpoint="any", methods=["POST"]),
        Rule("/s7/new", endpoint="new"),
        Rule("/s8/<int:n>/", endpoint="slashed"),
    ]
    urls = Map(rules)
    assert args_of(urls, "/s150/3") == {"n": 3}
    assert endpoint_of(urls, "/s7/new") == "new"
    assert endpoint_of(urls, "/s150/3", "POST") == "any"
    assert endpoint_of(urls, "/zzz/3", "POST") == "any"
    with pytest.raises(MethodNotAllowed) as info:
        urls.match("/zzz/3", "GET")
    assert info.value.valid_methods == ["POST"]
    with pytest.raises(MethodNotAllowed) as info:
        urls.match("/s150/3", "PUT")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]
    assert endpoint_of(urls, "/s8/3") == "s8"
    assert urls.match("/s150/x", "GET") is None


def test_redirects_from_deep_in_the_compiled_search() -> None:
    rules = [Rule(f"/s{i}/x", endpoint=f"s{i}") for i in range(20)]
    rules += [
        Rule("/s3/<int:id>/", endpoint="branch"),
        Rule("/s4/<int:id>", endpoint="old", redirect_to="/s3/<id>/"),
        Rule("/s5/page/<int:page>", endpoint="page"),
        Rule("/s5/", endpoint="page", defaults={"page": 1}),
        Rule("/s6/<name>", endpoint="lenient", strict_slashes=False, methods=["GET"]),
    ]
    urls = Map(rules)
    assert redirect_of(urls, "/s3/9") == "/s3/9/"
    assert redirect_of(urls, "/s4/9") == "/s3/9/"
    assert redirect_of(urls, "/s5/page/1") == "/s5/"
    assert args_of(urls, "/s5/page/2") == {"page": 2}
    assert args_of(urls, "/s6/bob/") == {"name": "bob"}
    with pytest.raises(MethodNotAllowed):
        urls.match("/s6/bob/", "POST")


def test_rules_added_after_matching_are_found() -> None:
    urls = Map([Rule("/a/<int:n>", endpoint="a")])
    assert endpoint_of(urls, "/a/1") == "a"
    assert urls.match("/b/1", "GET") is None
    urls.add(Rule("/b/<int:n>", endpoint="b"))
    assert endpoint_of(urls, "/b/1") == "b"
    urls.add(Rule("/a/<int:n>", endpoint="a2", methods=["POST"]))
    assert endpoint_of(urls, "/a/1", "POST") == "a"
    urls.add(Rule("/a/", endpoint="a", defaults={"n": 5}))
    assert redirect_of(urls, "/a/5") == "/a/"


def test_copied_map_matches_its_own_rules() -> None:
    urls = Map([Rule("/a/<int:n>", endpoint="a")])
    assert endpoint_of(urls, "/a/1") == "a"
    twin = copy.deepcopy(urls)
    found = twin.match("/a/1", "GET")
    assert found is not None
    assert found[0] is next(twin.iter_rules("a"))
    assert found[0] is not next(urls.iter_rules("a"))
    twin.add(Rule("/b/<int:n>", endpoint="b"))
    assert endpoint_of(twin, "/b/1") == "b"
    assert urls.match("/b/1", "GET") is None


def test_dynamic_domain_values_reach_compiled_search() -> None:
    rules = [Rule(f"/s{i}/<int:n>", endpoint=f"s{i}", subdomain="<user>") for i in range(10)]
    rules.append(Rule("/p/<path:p>", endpoint="p", subdomain="<user>"))
    urls = Map(rules)
    assert args_of(urls, "/s3/4", domain="bob") == {"user": "bob", "n": 4}
    assert args_of(urls, "/p/a/b", domain="eve") == {"user": "eve", "p": "a/b"}
    assert urls.match("/s3/4", "GET") is None


def test_custom_converters_mixed_with_inlined_ones() -> None:
    class Upper(BaseConverter):
        regex = "[A-Za-z]+"

        def to_python(self, value: str) -> str:
            if value == "reject":
                raise ValidationError()
            return value.upper()

    urls = Map(
        [
            Rule("/m/<up:a>/<int:b>", endpoint="mixed", methods=["GET"]),
            Rule("/m/<a>/<int:b>", endpoint="fallback", methods=["GET"]),
            Rule("/m/<up:a>/<int:b>", endpoint="post", methods=["POST"]),
        ],
        converters={"up": Upper},
    )
    assert args_of(urls, "/m/ab/3") == {"a": "AB", "b": 3}
    assert args_of(urls, "/m/reject/3") == {"a": "reject", "b": 3}
    assert endpoint_of(urls, "/m/reject/3") == "fallback"
    assert endpoint_of(urls, "/m/ab/3", "POST") == "post"
    with pytest.raises(MethodNotAllowed) as info:
        urls.match("/m/ab/3", "PUT")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]
    with pytest.raises(MethodNotAllowed) as info:
        urls.match("/m/reject/3", "PUT")
    assert info.value.valid_methods == ["GET", "HEAD"]


def _compiled_agrees_with_walk(urls: Map, path: str, method: str) -> None:
    """The compiled search of the default table returns or raises what _walk decides."""
    from vial._matcher import _SlashRequired, _split, _Unfinished, _walk, _WrongMethod

    table = urls._static_domains[""]
    segments = _split(path)
    allowed: set[str] = set()
    try:
        expected: Any = _walk(table.root, segments, 0, len(segments), (), method, allowed)
    except _SlashRequired:
        expected = "slash"
    try:
        got: Any = table.match(path, method)
    except _SlashRequired:
        got = "slash"
    except _Unfinished as e:
        got = e.found
    except _WrongMethod:
        got = "wrong"
    if got == "wrong":
        assert expected is None, path
    else:
        assert got == expected, (path, method)
        if got is None:
            assert not allowed, path


@pytest.mark.parametrize(("dispatch_min", "max_indent"), [(5, 40), (1, 40), (2, 3)])
def test_compiled_search_agrees_with_interpreted_search(
    monkeypatch: pytest.MonkeyPatch, dispatch_min: int, max_indent: int
) -> None:
    # Also with every node's children in a dispatch table, and with nesting cut short.
    monkeypatch.setattr("vial._matcher._DISPATCH_MIN", dispatch_min)
    monkeypatch.setattr("vial._matcher._MAX_INDENT", max_indent)

    class Even(BaseConverter):
        regex = r"\d+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValidationError()
            return int(value)

    strings = [
        "/",
        "/a",
        "/a/",
        "/a/b",
        "/a/<x>",
        "/a/<int:n>",
        "/a/<int:n>/",
        "/a/<even:n>/b",
        "/a/<x>/b",
        "/a/<x>.<y>",
        "/a/<path:p>",
        "/a/<path:p>/",
        "/a/<path:p>/end",
        "/<x>/b",
        "/<x>/<int:n>/c",
        "/<any(a, b, c):k>/<x>",
        "/<uuid:u>",
        "/<float:f>",
        "/b/<string(length=1):c>",
        "/b/<string(minlength=0):c>/",
        "/c//d",
        "/v<int:major>.<int:minor>",
    ]
    method_options: list[list[str] | None] = [None, ["GET"], ["POST"], []]
    rules = []
    for index, string in enumerate(strings):
        for variant in range(3):
            rules.append(
                Rule(
                    string,
                    endpoint=f"e{index}_{variant}",
                    methods=method_options[(index + variant) % len(method_options)],
                    strict_slashes=(index + variant) % 3 != 0,
                    merge_slashes=variant != 1,
                    defaults={"d": 1} if variant == 2 and index % 4 == 0 else None,
                )
            )
    urls = Map(rules, converters={"even": Even})
    pieces = ["a", "b", "c", "", "4", "7", "x.y", "1.5", "v1.2", "end", "d", "٤"]
    pieces.append("12345678-1234-5678-1234-567812345678")
    paths = {"", "/"}
    for first in pieces:
        paths.add(f"/{first}")
        for second in pieces:
            paths.add(f"/{first}/{second}")
            paths.add(f"/{first}/{second}/")
            for third in ("", "b", "c", "end"):
                paths.add(f"/{first}/{second}/{third}")
    for path in sorted(paths):
        for method in ("GET", "POST", "PUT"):
            _compiled_agrees_with_walk(urls, path, method)
