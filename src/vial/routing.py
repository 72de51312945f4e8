"""URL routing: rules, a compiled matcher and URL building.

A :class:`Map` holds :class:`Rule` objects. Everything a request needs is
prepared when a rule is added: fully static paths go into one dict per domain,
everything else into a trie keyed by path segment, which is compiled into a
Python function at the first match, so matching costs the same with ten rules or
a thousand. Building uses per-rule templates compiled at the same time.
Rule strings are parsed in ``_rules``, the matcher lives in ``_matcher``, the
converters in ``_converters``.

>>> urls = Map([Rule("/", endpoint="index"), Rule("/user/<int:id>", endpoint="user")])
>>> urls.match("/user/42", "GET")
(<Rule '/user/<int:id>' -> user>, {'id': 42})
>>> urls.build("user", {"id": 7, "tab": "posts"})
('', '/user/7?tab=posts')
"""

from __future__ import annotations

import difflib
import re
from bisect import insort
from collections.abc import Callable, Iterable, Iterator, Mapping
from pprint import pformat
from typing import Any, Protocol
from urllib.parse import quote, urljoin

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
from ._matcher import (
    _ANY_METHOD,
    _PROBE,
    _Match,
    _pattern_key,
    _SlashRequired,
    _split,
    _Table,
    _Unfinished,
    _walk,
    _WrongMethod,
)
from ._rules import (
    _compile_part,
    _compile_path,
    _encode_query,
    _filler,
    _Pattern,
    _template,
    _tokenize,
    _values,
    _Var,
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

_MULTI_SLASH = re.compile("/{2,}")
_PLACEHOLDER = re.compile(r"<([^<>]+)>")


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

        self._domain = _compile_part([domain_tokens], converters, False, False, self.rule)
        self._parts, self._slash_tail = _compile_path(path_tokens, converters, self.rule)
        self._static_path: str | None = None
        if all(isinstance(p, str) for p in self._parts):
            self._static_path = "/" + "/".join(p for p in self._parts if isinstance(p, str))

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


def _location(path: str, query_string: str) -> str:
    url = quote(path, safe=_PATH_SAFE)
    return f"{url}?{query_string}" if query_string else url


class _RuleFactory(Protocol):
    """What Werkzeug's ``Rule`` and ``RuleFactory`` share: ``get_rules(map)``."""

    def get_rules(self, map: Any) -> Iterable[Any]: ...


def _from_werkzeug(rule: Any) -> Rule:
    """A vial :class:`Rule` with the settings of a Werkzeug ``Rule``."""
    unsupported = {
        "alias": "give it redirect_to the canonical URL instead",
        "websocket": "vial does not route WebSocket requests",
    }
    for feature, advice in unsupported.items():
        if getattr(rule, feature, False):
            raise ValueError(
                f"URL rule {rule.rule!r}: Werkzeug's {feature}=True is not supported;"
                f" remove it ({advice})."
            )
    return Rule(
        rule.rule,
        endpoint=rule.endpoint,
        methods=rule.methods,
        defaults=rule.defaults,
        subdomain=rule.subdomain,
        host=rule.host,
        strict_slashes=rule.strict_slashes,
        merge_slashes=rule.merge_slashes,
        redirect_to=rule.redirect_to,
        build_only=rule.build_only,
    )


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
        rules: Iterable[Rule | _RuleFactory] = (),
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
        self.converters: dict[str, type[Any]] = dict(DEFAULT_CONVERTERS)
        if converters:
            self.converters.update(converters)
        self._rules: list[Rule] = []
        self._by_endpoint: dict[Any, list[Rule]] = {}
        self._static_domains: dict[str, _Table] = {}
        self._dynamic_domains: list[tuple[_Pattern, _Table]] = []
        self.default_subdomain = default_subdomain
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
        self._find_default_table()

    def _find_default_table(self) -> None:
        # The table matching ``domain=None`` when it is the only one to search.
        self._default_table = (
            None if self._dynamic_domains else self._static_domains.get(self._default_domain)
        )

    def add(self, rule: Rule | _RuleFactory) -> None:
        """Add a rule; raises ``ValueError`` for an unknown converter or bad arguments.

        A Werkzeug ``Rule`` or rule factory (``Submount``, ``EndpointPrefix``,
        ``Subdomain``, ``RuleTemplate``: anything with ``get_rules(map)``) is
        accepted too; each rule it yields is added as a vial :class:`Rule`.
        """
        if not isinstance(rule, Rule):
            get_rules = getattr(rule, "get_rules", None)
            if get_rules is None:
                raise TypeError(
                    f"Map.add() takes a Rule or a rule factory with get_rules(map), not {rule!r}."
                )
            for each in get_rules(self):
                self.add(each if isinstance(each, Rule) else _from_werkzeug(each))
            return
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
        # The compiled searches treat rules that redirect apart, and that may have changed.
        for table in self._tables():
            table.changed()

    def _tables(self) -> Iterator[_Table]:
        yield from self._static_domains.values()
        for _, table in self._dynamic_domains:
            yield table

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
                arity = domain.regex.groups if domain.groups is None else len(domain.groups)
                table = _Table(arity)
                insort(self._dynamic_domains, (domain, table), key=_pattern_key)
        table.insert(rule)
        self._find_default_table()

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
            # The usual case: the default domain is the only one, with one table.
            single = self._default_table
        else:
            single = None
        table = single if single is not None else self._static_domains.get(domain)
        if table is not None:
            # A static path is a dict lookup.
            rules = table.static.get(path)
            if rules is not None:
                for rule in rules:
                    if method in rule._accept:
                        if rule._fast:
                            defaults = rule._defaults
                            return rule, (dict(defaults) if defaults else {})
                        break
        try:
            # The usual case is one call into the compiled search of the only table
            # (read as an attribute, then called: a method lookup of an instance
            # attribute is not specialised).
            if single is not None:
                search = single.match
                found = search(path, method)
            else:
                found = self._search(path, method, domain)
        except _SlashRequired:
            raise RequestRedirect(_location(path + "/", query_string)) from None
        except _WrongMethod:
            found, wrong = None, True
        except _Unfinished as e:
            found, wrong = e.found, False
        else:
            # A compiled search returns only matches that need no finishing.
            if found is not None or "//" not in path:
                return found  # a match, or a 404 with no slashes to merge
            wrong = False
        return self._finish(found, wrong, path, method, domain, query_string)

    def _search(self, path: str, method: str, domain: str) -> _Match | None:
        """Search the tables of ``domain``; raise as the compiled searches do."""
        wrong = False
        table = self._static_domains.get(domain)
        if table is not None:
            try:
                found = table.match(path, method)
            except _WrongMethod:
                wrong = True
            else:
                if found is not None:
                    return found
        for pattern, table in self._dynamic_domains:
            matched = pattern.fullmatch(domain)
            if matched is not None:
                try:
                    found = table.match(path, method, *_values(pattern, matched))
                except _WrongMethod:
                    wrong = True
                else:
                    if found is not None:
                        return found
        if wrong:
            raise _WrongMethod
        return None

    def _collect(self, path: str, method: str, domain: str, allowed: set[str]) -> None:
        """Add the methods of rules matching ``path`` that do not accept ``method``.

        The interpreted search: it visits the rules the compiled one does, in the
        same order, but records the methods of near misses on its way.
        """
        segments = _split(path)
        n = len(segments)
        table = self._static_domains.get(domain)
        if table is not None and _walk(table.root, segments, 0, n, (), method, allowed):
            return
        for pattern, table in self._dynamic_domains:
            matched = pattern.fullmatch(domain)
            if matched is not None:
                values = _values(pattern, matched)
                if _walk(table.root, segments, 0, n, values, method, allowed):
                    return

    def _finish(
        self,
        found: _Match | None,
        wrong: bool,
        path: str,
        method: str,
        domain: str,
        query_string: str,
    ) -> _Match | None:
        """Merge slashes, raise 405 or redirects, after the first search of a match."""
        merged = None
        if found is None and self.merge_slashes and "//" in path:
            merged = _MULTI_SLASH.sub("/", path)
            try:
                found = self._search(merged, method, domain)
            except _SlashRequired:
                raise RequestRedirect(_location(merged + "/", query_string)) from None
            except _WrongMethod:
                wrong = True
            except _Unfinished as e:
                found = e.found
            if found is not None and found[0].merge_slashes:
                raise RequestRedirect(_location(merged, query_string))
            found = None
        if found is None:
            if wrong:
                allowed: set[str] = set()
                self._collect(path, method, domain, allowed)
                if merged is not None:
                    self._collect(merged, method, domain, allowed)
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
        self._collect(path, _PROBE, domain, allowed)
        if self.merge_slashes and "//" in path:
            self._collect(_MULTI_SLASH.sub("/", path), _PROBE, domain, allowed)
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
