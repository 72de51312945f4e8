"""URL routing: rules, a segment-trie matcher and URL building (converters: ``_converters``).

A :class:`Map` holds :class:`Rule` objects. Everything a request needs is
prepared when a rule is added: fully static paths go into one dict per domain,
everything else into a trie keyed by path segment, so matching costs the same
with ten rules or a thousand. Building uses per-rule templates compiled at the
same time.

>>> urls = Map([Rule("/", endpoint="index"), Rule("/user/<int:id>", endpoint="user")])
>>> urls.match("/user/42", "GET")
(<Rule '/user/<int:id>' -> user>, {'id': 42})
>>> urls.build("user", {"id": 7, "tab": "posts"})
('', '/user/7?tab=posts')
"""

from __future__ import annotations

import ast
import difflib
import re
from bisect import insort
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pprint import pformat
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode, urljoin

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import BuildError as _WerkzeugBuildError
from werkzeug.routing import RequestRedirect, ValidationError

from ._converters import (
    _IDENTITY_TO_PYTHON,
    _PATH_SAFE,
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    _parser,
)

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MethodNotAllowed",
    "PathConverter",
    "RequestRedirect",
    "Rule",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]

_QUERY_SAFE = "!$'()*,/:;?@"
_MULTI_SLASH = re.compile("/{2,}")
_PLACEHOLDER = re.compile(r"<([^<>]+)>")
# Regexes meaning "any non-empty segment": matched without running a regex.
_ANY_SEGMENT = frozenset({"[^/]+", "[^/]{1,}"})


class BuildError(_WerkzeugBuildError):
    """No rule of an endpoint can build a URL from the given values and method.

    A subclass of Werkzeug's ``BuildError``, so ``except werkzeug.routing.BuildError``
    still catches it. ``str()`` says which values are missing when the endpoint
    exists, or suggests a similar endpoint when it does not.
    """

    def __init__(
        self,
        endpoint: Any,
        values: Mapping[str, Any],
        method: str | None,
        *,
        map: Map | None = None,
    ) -> None:
        super().__init__(endpoint, values, method)
        self.map = map

    def __str__(self) -> str:
        parts = [f"Could not build url for endpoint {self.endpoint!r}"]
        if self.method:
            parts.append(f" ({self.method!r})")
        if self.values:
            parts.append(f" with values {sorted(self.values)!r}")
        parts.append(".")
        if self.map is None:
            return "".join(parts)
        rules = list(self.map.iter_rules(self.endpoint))
        if rules:
            given = set(self.values or ())
            rule = min(
                rules, key=lambda r: (not _accepts(r, self.method), len(r._required - given))
            )
            if self.method and not _accepts(rule, self.method):
                parts.append(f" Did you mean to use methods {sorted(rule.methods or ())!r}?")
            missing = rule._required - given
            if missing:
                parts.append(f" Did you forget to specify values {sorted(missing)!r}?")
        else:
            endpoints = [str(e) for e in self.map._by_endpoint]
            close = difflib.get_close_matches(str(self.endpoint), endpoints, n=1)
            if close:
                parts.append(f" Did you mean {close[0]!r} instead?")
        return "".join(parts)


def _accepts(rule: Rule, method: str | None) -> bool:
    return method is None or rule.methods is None or method in rule.methods


# --- rule strings -----------------------------------------------------------------------


class _Var(NamedTuple):
    name: str
    converter: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    source: str


_Token = str | _Var

_VARIABLE = re.compile(
    r"<(?:(?P<conv>[A-Za-z_]\w*)(?:\((?P<args>[^<>]*?)\))?:)?(?P<name>[A-Za-z_]\w*)>"
)
_ARGUMENT = re.compile(
    r"""\s*(?:(?P<key>[A-Za-z_]\w*)\s*=\s*)?
    (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,='"]+)
    \s*(?:,|\Z)""",
    re.VERBOSE,
)


def _literal(raw: str) -> Any:
    """A converter argument: a quoted string, a number, True/False/None, or a bare word."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if raw[0] in "\"'":
            raise ValueError(f"invalid string literal {raw}") from None
        return raw
    if raw[0] in "\"'" or value is None or isinstance(value, int | float):
        return value
    return raw


def _parse_args(text: str, rule: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    pos, end = 0, len(text)
    while text[pos:].strip():
        found = _ARGUMENT.match(text, pos)
        if found is None:
            raise ValueError(
                f"URL rule {rule!r}: cannot parse converter arguments {text!r} at {text[pos:]!r}."
            )
        try:
            value = _literal(found["value"])
        except ValueError as exc:
            raise ValueError(f"URL rule {rule!r}: {exc}.") from None
        key = found["key"]
        if key is None:
            if kwargs:
                raise ValueError(
                    f"URL rule {rule!r}: positional converter argument after a keyword in {text!r}."
                )
            args.append(value)
        else:
            kwargs[key] = value
        pos = found.end()
        if pos >= end:
            break
    return tuple(args), kwargs


def _tokenize(text: str, rule: str, seen: set[str]) -> list[_Token]:
    """Split a rule (or domain) string into static text and variables."""
    tokens: list[_Token] = []
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            if pos < len(text):
                tokens.append(text[pos:])
            return tokens
        if start > pos:
            tokens.append(text[pos:start])
        found = _VARIABLE.match(text, start)
        if found is None:
            raise ValueError(
                f"Malformed URL rule {rule!r}: the variable at {text[start : start + 30]!r} is"
                " unclosed or not of the form '<name>' or '<converter(arguments):name>'."
            )
        name = found["name"]
        if name in seen:
            raise ValueError(
                f"URL rule {rule!r} uses the variable {name!r} twice; give each variable a"
                " unique name."
            )
        seen.add(name)
        args, kwargs = _parse_args(found["args"] or "", rule)
        tokens.append(_Var(name, found["conv"] or "default", args, kwargs, found["args"] or ""))
        pos = found.end()


def _segments(tokens: list[_Token]) -> list[list[_Token]]:
    """Group path tokens by '/'; the part before the leading slash is dropped."""
    segments: list[list[_Token]] = [[]]
    for token in tokens:
        if isinstance(token, str):
            first, *rest = token.split("/")
            if first:
                segments[-1].append(first)
            segments.extend([piece] if piece else [] for piece in rest)
        else:
            segments[-1].append(token)
    return segments[1:]


_SEGMENT_ANY, _SEGMENT_DIGITS, _SEGMENT_REGEX, _TAIL, _TAIL_SLASH = range(5)


class _Pattern(NamedTuple):
    """A compiled dynamic part: one segment, the rest of the path (tail) or a domain."""

    kind: int
    source: str
    key: tuple[Any, ...]
    fullmatch: Callable[[str], re.Match[str] | None]
    groups: tuple[int, ...] | None  # None: ``match.groups()`` are exactly the values


def _compile_part(
    segments: list[list[_Token]],
    converters: Mapping[str, Any],
    tail: bool,
    slash: bool,
    rule: str,
) -> str | _Pattern:
    """Compile segments into a static string or a pattern; ``tail`` spans slashes."""
    if len(segments) == 1 and all(isinstance(t, str) for t in segments[0]) and not tail:
        return "".join(t for t in segments[0] if isinstance(t, str))
    regex: list[str] = []
    statics: list[int] = []
    weights: list[int] = []
    count = 0
    for index, segment in enumerate(segments):
        if index:
            regex.append("/")
        for token in segment:
            if isinstance(token, str):
                regex.append(re.escape(token))
                statics.append(-len(token))
            else:
                converter = converters[token.name]
                regex.append(f"(?P<_vial{count}>{converter.regex})")
                weights.append(converter.weight)
                count += 1
    if slash:
        regex.append("(?<!/)(/?)")
    source = "".join(regex)
    try:
        compiled = re.compile(source)
    except re.error as exc:
        raise ValueError(f"URL rule {rule!r}: a converter regex is invalid: {exc}") from None
    # More literal text first, then more variables, then lighter converters.
    key = (-len(statics), tuple(statics), -count, tuple(weights))
    first = segments[0]
    if (
        not tail
        and len(first) == 1
        and isinstance(first[0], _Var)
        and converters[first[0].name].regex in _ANY_SEGMENT
    ):
        kind = _SEGMENT_ANY
    elif (
        not tail
        and len(first) == 1
        and isinstance(first[0], _Var)
        and converters[first[0].name].regex == r"\d+"
    ):
        # str.isdecimal accepts exactly the characters of \d (Unicode category Nd).
        kind = _SEGMENT_DIGITS
    else:
        kind = (_TAIL_SLASH if slash else _TAIL) if tail else _SEGMENT_REGEX
    indexes = tuple(compiled.groupindex[f"_vial{i}"] for i in range(count))
    plain = indexes == tuple(range(1, count + 1)) and compiled.groups == count
    return _Pattern(kind, source, key, compiled.fullmatch, None if plain else indexes)


def _values(pattern: _Pattern, found: re.Match[str]) -> tuple[str, ...]:
    if pattern.groups is None:
        return found.groups()
    return tuple(found.group(i) for i in pattern.groups)


_Template = tuple[str, tuple[tuple[str, Callable[[Any], str], str], ...]]


def _template(
    tokens: list[_Token], converters: Mapping[str, Any], defaults: Mapping[str, Any]
) -> _Template:
    """Precompute building: quoted static text with the slots to fill in between."""
    first = ""
    slots: list[list[Any]] = []
    for token in tokens:
        if isinstance(token, str):
            text = quote(token, safe=_PATH_SAFE)
        elif token.name in defaults:
            text = converters[token.name].to_url(defaults[token.name])
        else:
            slots.append([token.name, converters[token.name].to_url, ""])
            continue
        if slots:
            slots[-1][2] += text
        else:
            first += text
    return first, tuple((name, to_url, after) for name, to_url, after in slots)


def _filler(template: _Template) -> str | Callable[[Mapping[str, Any]], str]:
    """The built text itself when constant, else a function filling in the values.

    Rules with one or two variables (nearly all) get a closure without a loop,
    which halves what url_for spends here.
    """
    first, slots = template
    if not slots:
        return first
    if len(slots) == 1:
        ((name, to_url, after),) = slots
        return lambda values: first + to_url(values[name]) + after
    if len(slots) == 2:
        (name1, to_url1, after1), (name2, to_url2, after2) = slots
        return lambda values: (
            first + to_url1(values[name1]) + after1 + to_url2(values[name2]) + after2
        )

    def fill(values: Mapping[str, Any]) -> str:
        text = first
        for name, to_url, after in slots:
            text += to_url(values[name]) + after
        return text

    return fill


def _encode_query(values: Mapping[str, Any], skip: set[str]) -> str:
    items: list[tuple[str, Any]] = []
    for key, value in values.items():
        if key in skip:
            continue
        if isinstance(value, list | tuple | set):
            items.extend((key, v) for v in value if v is not None)
        elif value is not None:
            items.append((key, value))
    return urlencode(items, safe=_QUERY_SAFE)


class _AnyMethod(frozenset[str]):
    """The methods of a rule without a method list: every real method."""

    def __contains__(self, method: object) -> bool:
        return method is not _PROBE


_PROBE = "\x00probe"  # a method no rule accepts; used to collect allowed methods
_ANY_METHOD = _AnyMethod()


# --- rules ------------------------------------------------------------------------------


class Rule:
    """One URL pattern, e.g. ``Rule("/user/<int:id>", endpoint="user", methods=["GET"])``.

    Variables are written ``<name>`` or ``<converter(arguments):name>``; a
    segment may hold several (``/file/<name>.<ext>``). ``methods`` of ``None``
    accepts any method; ``HEAD`` is added when ``GET`` is present. Options left
    as ``None`` take the :class:`Map`'s setting when the rule is added.

    Raises ``ValueError`` for a malformed rule string.
    """

    def __init__(
        self,
        string: str,
        *,
        endpoint: str | None = None,
        methods: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        subdomain: str | None = None,
        host: str | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | Callable[..., str] | None = None,
        build_only: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule {string!r} must start with a slash: '/{string}'.")
        if isinstance(methods, str):
            raise TypeError(f"URL rule {string!r}: 'methods' must be a list such as ['GET'].")
        self.rule = string
        self.endpoint = endpoint
        self.methods: set[str] | None = None
        if methods is not None:
            self.methods = {m.upper() for m in methods}
            if "GET" in self.methods:
                self.methods.add("HEAD")
        self.defaults = defaults
        self.subdomain = subdomain
        self.host = host
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_to = redirect_to
        self.build_only = build_only
        self.provide_automatic_options = False
        self.map: Map | None = None
        variables: set[str] = set()
        self._tokens = _tokenize(string, string, variables)
        #: Every name the rule consumes when building: its variables and default keys.
        self.arguments: set[str] = variables | set(defaults or ())
        self._domain_text = ""

    def _bind(self, map: Map) -> None:
        """Resolve map settings and compile matching and building parts."""
        if self.map is not None:
            raise RuntimeError(f"URL rule {self.rule!r} is already in a map; create a new Rule.")
        # Settings are resolved into locals and stored last, so a failing add leaves
        # the rule as it was.
        strict_slashes = map.strict_slashes if self.strict_slashes is None else self.strict_slashes
        merge_slashes = map.merge_slashes if self.merge_slashes is None else self.merge_slashes
        subdomain = map.default_subdomain if self.subdomain is None else self.subdomain
        domain_text = (self.host or "") if map.host_matching else subdomain
        seen = {t.name for t in self._tokens if isinstance(t, _Var)}
        domain_tokens = _tokenize(domain_text, self.rule, seen)
        path_tokens = self._tokens
        if merge_slashes:
            path_tokens = [
                _MULTI_SLASH.sub("/", t) if isinstance(t, str) else t for t in path_tokens
            ]
        variables = [t for t in domain_tokens + path_tokens if isinstance(t, _Var)]
        converters = {v.name: self._converter(map, v) for v in variables}
        defaults = dict(self.defaults) if self.defaults else {}

        if any(isinstance(t, _Var) for t in domain_tokens):
            self._domain: str | _Pattern = _compile_part(
                [domain_tokens], converters, False, False, self.rule
            )
        else:
            self._domain = "".join(t for t in domain_tokens if isinstance(t, str))
        segments = _segments(path_tokens)
        parts: list[str | _Pattern] = []
        self._slash_tail = False
        for index, segment in enumerate(segments):
            if any(isinstance(t, _Var) and not converters[t.name].part_isolating for t in segment):
                rest = segments[index:]
                slash = len(rest) > 1 and not rest[-1]
                self._slash_tail = slash
                parts.append(
                    _compile_part(rest[:-1] if slash else rest, converters, True, slash, self.rule)
                )
                break
            parts.append(_compile_part([segment], converters, False, False, self.rule))
        self._parts = parts
        self._static_path: str | None = None
        if all(isinstance(p, str) for p in parts):
            self._static_path = "/" + "/".join(p for p in parts if isinstance(p, str))

        self._names = tuple(v.name for v in variables)
        self._parsers = tuple((name, _parser(converters[name])) for name in self._names)
        self._plain = all(
            getattr(type(converters[name]), "to_python", None) in _IDENTITY_TO_PYTHON
            for name in self._names
        )
        self._converters = converters
        self._defaults = defaults or None
        self._accept: frozenset[str] = (
            _ANY_METHOD if self.methods is None else frozenset(self.methods)
        )
        self._required = frozenset(self._names) - defaults.keys()
        arguments = self.arguments | set(self._names)
        try:
            self._domain_filler = _filler(_template(domain_tokens, converters, defaults))
            self._path_filler = _filler(_template(path_tokens, converters, defaults))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"URL rule {self.rule!r}: a default cannot be built: {exc}") from exc
        if isinstance(self.redirect_to, str):
            unknown = set(_PLACEHOLDER.findall(self.redirect_to)) - arguments
            if unknown:
                raise ValueError(
                    f"URL rule {self.rule!r}: redirect_to {self.redirect_to!r} uses"
                    f" {sorted(unknown)!r}, which are not variables or defaults of the rule."
                )
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.subdomain = subdomain
        self.arguments = arguments
        self._domain_text = domain_text
        self._default_providers: list[Rule] = []
        self._fast = self.redirect_to is None
        self.map = map

    def _converter(self, map: Map, var: _Var) -> Any:
        cls = map.converters.get(var.converter)
        if cls is None:
            known = ", ".join(sorted(map.converters))
            raise ValueError(
                f"URL rule {self.rule!r} uses the unknown converter {var.converter!r};"
                f" register it in Map.converters first (known: {known})."
            )
        try:
            return cls(map, *var.args, **var.kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"URL rule {self.rule!r}: converter {var.converter!r} rejects the arguments"
                f" ({var.source}): {exc}"
            ) from exc

    def _convert(self, values: tuple[str, ...]) -> dict[str, Any] | None:
        """View arguments from matched text, or None when a converter rejects it."""
        # zip(strict=True) would cost more than the rest of this method.
        if self._plain:
            result = dict(zip(self._names, values))  # noqa: B905
        else:
            result = {}
            try:
                for (name, parse), text in zip(self._parsers, values):  # noqa: B905
                    result[name] = parse(text)
            except ValidationError:
                return None
        if self._defaults:
            result.update(self._defaults)
        return result

    def _suitable(self, values: Mapping[str, Any], method: str | None) -> bool:
        """Whether this rule can build a URL from ``values`` for ``method``."""
        if method is not None and method not in self._accept:
            return False
        if not values.keys() >= self._required:
            return False
        if self._defaults:
            for key, default in self._defaults.items():
                if key in values and values[key] != default:
                    return False
        return True

    def _build(self, values: Mapping[str, Any], append_unknown: bool) -> tuple[str, str] | None:
        domain = self._domain_filler
        url = self._path_filler
        try:
            if not isinstance(domain, str):
                domain = domain(values)
            if not isinstance(url, str):
                url = url(values)
        except ValidationError:
            return None
        if append_unknown and not values.keys() <= self.arguments:
            query = _encode_query(values, self.arguments)
            if query:
                url = f"{url}?{query}"
        return domain, url

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        domain = self._domain_text or self.host or self.subdomain or ""
        shown = f"{domain}|{self.rule}" if domain else self.rule
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods is not None else ""
        return f"<{type(self).__name__} {shown!r}{methods} -> {self.endpoint}>"


# --- matching ---------------------------------------------------------------------------

_Match = tuple[Rule, dict[str, Any]]


class _SlashRequired(Exception):
    """Only the path with a trailing slash matches, and the rule wants it."""


class _Node:
    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: list[tuple[_Pattern, _Node]] = []
        self.rules: list[Rule] = []


class _Table:
    """The rules of one domain pattern: static paths in a dict, all rules in a trie."""

    __slots__ = ("root", "static")

    def __init__(self) -> None:
        self.root = _Node()
        self.static: dict[str, list[Rule]] = {}


def _pattern_key(entry: tuple[_Pattern, Any]) -> tuple[Any, ...]:
    return entry[0].key


def _end(node: _Node, values: tuple[str, ...], method: str, allowed: set[str]) -> _Match | None:
    """Choose a rule of a node the whole path led to."""
    for rule in node.rules:
        if method in rule._accept:
            args = rule._convert(values)
            if args is not None:
                return rule, args
        elif rule._convert(values) is not None:
            allowed.update(rule._accept)
    slashed = node.static.get("")
    if slashed is not None:
        for rule in slashed.rules:
            if method in rule._accept:
                args = rule._convert(values)
                if args is not None:
                    if rule.strict_slashes:
                        raise _SlashRequired
                    return rule, args
    return None


def _walk(
    node: _Node,
    segments: Sequence[str],
    i: int,
    n: int,
    values: tuple[str, ...],
    method: str,
    allowed: set[str],
) -> _Match | None:
    """Depth-first search from ``segments[i]`` (``i < n``): static child, then dynamic ones."""
    segment = segments[i]
    last = i + 1 == n
    child = node.static.get(segment)
    if child is not None:
        if last:
            found = _end(child, values, method, allowed)
        else:
            found = _walk(child, segments, i + 1, n, values, method, allowed)
        if found is not None:
            return found
    for pattern, child in node.dynamic:
        kind = pattern.kind
        if kind == _SEGMENT_ANY:
            if not segment:
                continue
            got = (*values, segment)
        elif kind == _SEGMENT_DIGITS:
            if not segment.isdecimal():
                continue
            got = (*values, segment)
        elif kind == _SEGMENT_REGEX:
            matched = pattern.fullmatch(segment)
            if matched is None:
                continue
            got = values + _values(pattern, matched)
        else:
            matched = pattern.fullmatch(segment if last else "/".join(segments[i:]))
            if matched is None:
                continue
            got = values + _values(pattern, matched)
            if kind == _TAIL_SLASH and matched.group(matched.re.groups):
                found = _walk(child, ("",), 0, 1, got, method, allowed)
            else:
                found = _end(child, got, method, allowed)
            if found is not None:
                return found
            continue
        if last:
            found = _end(child, got, method, allowed)
        else:
            found = _walk(child, segments, i + 1, n, got, method, allowed)
        if found is not None:
            return found
    if last and not segment:
        # '/foo/' also matches a rule '/foo' that does not insist on its slashes.
        for rule in node.rules:
            if rule.strict_slashes:
                continue
            if method in rule._accept:
                args = rule._convert(values)
                if args is not None:
                    return rule, args
            elif rule._convert(values) is not None:
                allowed.update(rule._accept)
    return None


def _location(path: str, query_string: str) -> str:
    url = quote(path, safe=_PATH_SAFE)
    return f"{url}?{query_string}" if query_string else url


def _build_order(rule: Rule) -> tuple[int, int]:
    # Rules consuming more values are tried first, so url_for fills the most specific one.
    return -len(rule.arguments), -len(rule.defaults or ())


class Map:
    """The URL rules of an application, matched and built without a bound adapter.

    ``converters`` extends :data:`DEFAULT_CONVERTERS`; the ``converters`` attribute
    may also be changed before adding the rules that use them. ``host_matching``
    matches rules' ``host`` against the whole host instead of ``subdomain``.
    """

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: Mapping[str, type[Any]] | None = None,
        host_matching: bool = False,
    ) -> None:
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_defaults = redirect_defaults
        self.host_matching = host_matching
        self.default_subdomain = default_subdomain
        self.converters: dict[str, type[Any]] = dict(DEFAULT_CONVERTERS)
        if converters:
            self.converters.update(converters)
        self._rules: list[Rule] = []
        self._by_endpoint: dict[Any, list[Rule]] = {}
        self._static_domains: dict[str, _Table] = {}
        self._dynamic_domains: list[tuple[_Pattern, _Table]] = []
        for rule in rules:
            self.add(rule)

    @property
    def default_subdomain(self) -> str:
        """The subdomain of rules without one, and of requests matched with ``domain=None``."""
        return self._default_subdomain

    @default_subdomain.setter
    def default_subdomain(self, value: str) -> None:
        self._default_subdomain = value
        self._default_domain = "" if self.host_matching else value

    def add(self, rule: Rule) -> None:
        """Add a rule; raises ``ValueError`` for an unknown converter or bad arguments."""
        rule._bind(self)
        self._rules.append(rule)
        if not rule.build_only:
            self._insert(rule)
        group = self._by_endpoint.setdefault(rule.endpoint, [])
        insort(group, rule, key=_build_order)
        for index, later in enumerate(group):
            later._default_providers = [
                r
                for r in group[:index]
                if not r.build_only
                and r.defaults
                and r.arguments == later.arguments
                and (r.rule, r._domain_text) != (later.rule, later._domain_text)
            ]
            later._fast = later.redirect_to is None and not later._default_providers

    def _insert(self, rule: Rule) -> None:
        domain = rule._domain
        if isinstance(domain, str):
            table = self._static_domains.get(domain)
            if table is None:
                table = self._static_domains[domain] = _Table()
        else:
            found = [t for p, t in self._dynamic_domains if p.source == domain.source]
            if found:
                table = found[0]
            else:
                table = _Table()
                insort(self._dynamic_domains, (domain, table), key=_pattern_key)
        node = table.root
        for part in rule._parts:
            if isinstance(part, str):
                child = node.static.get(part)
                if child is None:
                    child = node.static[part] = _Node()
            else:
                same = [
                    c for p, c in node.dynamic if (p.kind, p.source) == (part.kind, part.source)
                ]
                if same:
                    child = same[0]
                else:
                    child = _Node()
                    insort(node.dynamic, (part, child), key=_pattern_key)
            node = child
        if rule._slash_tail:
            child = node.static.get("")
            if child is None:
                child = node.static[""] = _Node()
            node = child
        node.rules.append(rule)
        if rule._static_path is not None:
            table.static.setdefault(rule._static_path, []).append(rule)

    def iter_rules(self, endpoint: str | None = None) -> Iterator[Rule]:
        """Iterate over all rules in the order added, or over one endpoint's rules."""
        if endpoint is None:
            return iter(self._rules)
        return iter(self._by_endpoint.get(endpoint, ()))

    def is_endpoint_expecting(self, endpoint: str, *arguments: str) -> bool:
        """Whether some rule of ``endpoint`` consumes all of ``arguments``."""
        wanted = set(arguments)
        return any(wanted <= rule.arguments for rule in self._by_endpoint.get(endpoint, ()))

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({pformat(self._rules)})"

    def match(
        self, path: str, method: str, domain: str | None = None, query_string: str = ""
    ) -> tuple[Rule, dict[str, Any]] | None:
        """Find the rule for a decoded ``path`` such as ``'/user/42'``.

        ``domain`` is the lower-case host (host matching) or subdomain; ``None``
        means the default. Returns ``(rule, view_args)``, or ``None`` when nothing
        matches. Raises :class:`MethodNotAllowed` when only the method is wrong and
        :class:`RequestRedirect` (``new_url`` is a path plus ``query_string``) for
        slash, default-value and ``redirect_to`` redirects.
        """
        if domain is None:
            domain = self._default_domain
        table = self._static_domains.get(domain)
        if table is not None:
            rules = table.static.get(path)
            if rules is not None:
                for rule in rules:
                    if method in rule._accept:
                        if rule._fast:
                            defaults = rule._defaults
                            return rule, (dict(defaults) if defaults else {})
                        break
            if not self._dynamic_domains:
                # The usual case, inlined: one domain table, so one trie to search.
                segments = path[1:].split("/") if path[:1] == "/" else path.split("/")
                allowed: set[str] = set()
                try:
                    found = _walk(table.root, segments, 0, len(segments), (), method, allowed)
                except _SlashRequired:
                    raise RequestRedirect(_location(path + "/", query_string)) from None
                if found is not None and found[0]._fast:
                    return found
                return self._finish(found, allowed, path, method, domain, query_string)
        allowed = set()
        try:
            found = self._search(path, method, domain, allowed)
        except _SlashRequired:
            raise RequestRedirect(_location(path + "/", query_string)) from None
        return self._finish(found, allowed, path, method, domain, query_string)

    def _search(self, path: str, method: str, domain: str, allowed: set[str]) -> _Match | None:
        segments = path[1:].split("/") if path[:1] == "/" else path.split("/")
        n = len(segments)
        table = self._static_domains.get(domain)
        if table is not None:
            found = _walk(table.root, segments, 0, n, (), method, allowed)
            if found is not None:
                return found
        for pattern, table in self._dynamic_domains:
            matched = pattern.fullmatch(domain)
            if matched is not None:
                values = _values(pattern, matched)
                found = _walk(table.root, segments, 0, n, values, method, allowed)
                if found is not None:
                    return found
        return None

    def _finish(
        self,
        found: _Match | None,
        allowed: set[str],
        path: str,
        method: str,
        domain: str,
        query_string: str,
    ) -> _Match | None:
        """Merge slashes, raise 405 or redirects, after the first search of a match."""
        if found is None and self.merge_slashes and "//" in path:
            merged = _MULTI_SLASH.sub("/", path)
            try:
                found = self._search(merged, method, domain, allowed)
            except _SlashRequired:
                raise RequestRedirect(_location(merged + "/", query_string)) from None
            if found is not None and found[0].merge_slashes:
                raise RequestRedirect(_location(merged, query_string))
            found = None
        if found is None:
            if allowed:
                raise MethodNotAllowed(valid_methods=sorted(allowed))
            return None
        rule, args = found
        if rule._default_providers and self.redirect_defaults:
            for provider in rule._default_providers:
                if provider._suitable(args, method):
                    built = provider._build({**args, **(provider.defaults or {})}, True)
                    if built is not None:
                        url = built[1]
                        if query_string:
                            url += ("&" if "?" in url else "?") + query_string
                        raise RequestRedirect(url)
        if rule.redirect_to is not None:
            raise RequestRedirect(self._redirect_target(rule, args))
        return found

    def _redirect_target(self, rule: Rule, args: dict[str, Any]) -> str:
        target = rule.redirect_to
        if isinstance(target, str):

            def fill(placeholder: re.Match[str]) -> str:
                name = placeholder.group(1)
                converter = rule._converters.get(name)
                if converter is None:
                    return quote(str(args[name]), safe=_PATH_SAFE)
                return str(converter.to_url(args[name]))

            target = _PLACEHOLDER.sub(fill, target)
        else:
            assert target is not None
            target = target(self, **args)
        # A relative target is taken from the root, as Werkzeug does.
        return urljoin("/", target)

    def allowed_methods(self, path: str, domain: str | None = None) -> set[str]:
        """Every method some rule matching ``path`` accepts (for ``OPTIONS`` and 405).

        Rules without a method list accept anything and add nothing here.
        """
        if domain is None:
            domain = self._default_domain
        allowed: set[str] = set()
        self._search(path, _PROBE, domain, allowed)
        if self.merge_slashes and "//" in path:
            self._search(_MULTI_SLASH.sub("/", path), _PROBE, domain, allowed)
        return allowed

    def build(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        append_unknown: bool = True,
    ) -> tuple[str, str]:
        """Build ``(domain_part, url)`` for an endpoint, e.g. ``('', '/user/7?tab=a')``.

        Values no rule variable consumes become the query string (lists and
        ``MultiDict`` repeat the key; ``None`` values are dropped) unless
        ``append_unknown`` is false. Without ``method``, rules accepting ``GET``
        are preferred. Raises :class:`BuildError` when no rule fits.
        """
        if not values:
            given: dict[str, Any] = {}
        elif isinstance(values, MultiDict):
            given = {k: v[0] if len(v) == 1 else v for k, v in values.lists() if v}
        else:
            given = {k: v for k, v in values.items() if v is not None}
        deferred: list[Rule] | None = None
        for rule in self._by_endpoint.get(endpoint, ()):
            if not rule._suitable(given, method):
                continue
            if method is None and "GET" not in rule._accept:
                if deferred is None:
                    deferred = []
                deferred.append(rule)
                continue
            built = rule._build(given, append_unknown)
            if built is not None:
                return built
        for rule in deferred or ():
            built = rule._build(given, append_unknown)
            if built is not None:
                return built
        raise BuildError(endpoint, given, method, map=self)
