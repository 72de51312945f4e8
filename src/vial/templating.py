"""Jinja templates: the app's environment, the loader, and the render functions.

Templates are found in the app's ``template_folder`` first, then in each
blueprint's, in registration order. With auto-reload off (the default outside
debug mode) :func:`render_template` finds a template it has seen before with
one dict lookup instead of Jinja's ``get_template``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterator

import jinja2
from jinja2 import BaseLoader, Template, TemplateNotFound

from .ctx import _NO_CONTEXT, RequestContext, _current_ctx
from .globals import g, request, session
from .signals import before_render_template, template_rendered

if t.TYPE_CHECKING:
    from .app import Vial
    from .scaffold import Scaffold

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "create_jinja_environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]

_Source = tuple[str, str | None, Callable[[], bool] | None]
_TemplateRef = str | Template | list[str | Template]

# Changing one of these makes a cached name → Template mapping stale.
_CACHE_KEYS = frozenset({"loader", "auto_reload", "cache"})


class Environment(jinja2.Environment):
    """A Jinja environment that knows its app and finds templates through it.

    Without a ``loader`` option it uses ``app.create_global_jinja_loader()``,
    which searches the app's templates, then each blueprint's.
    """

    def __init__(self, app: Vial, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app

    def __setattr__(self, name: str, value: t.Any) -> None:
        if name == "globals" and not isinstance(value, _Globals):
            value = _Globals(self, value)
        object.__setattr__(self, name, value)
        if name in _CACHE_KEYS:
            # A new dict rather than clear(): an overlay starts with a copy of
            # this environment's __dict__ and must not share the cache.
            object.__setattr__(self, "_templates", {})

    _templates: dict[str, Template]


def _get_template(app: Vial, name: _TemplateRef) -> Template:
    env = app.jinja_env
    try:
        # A list is unhashable (TypeError); an environment that is not ours
        # has no cache (AttributeError).
        return env._templates[name]  # type: ignore[index]
    except (KeyError, TypeError, AttributeError):
        pass
    template = env.get_or_select_template(name)
    if isinstance(name, str) and isinstance(env, Environment) and not env.auto_reload:
        # Jinja copies a template's globals out of a ChainMap at every render;
        # a flat dict is much cheaper. _Globals drops this cache when the
        # environment's globals change, and the next lookup flattens again.
        chain = template.__dict__.setdefault("_vial_globals", template.globals)
        template.globals = dict(chain)
        env._templates[name] = template
    return template


class _Globals(dict[str, t.Any]):
    """An environment's globals; any change empties the environment's template cache."""

    def __init__(self, env: Environment, initial: t.Any = ()) -> None:
        super().__init__(initial)
        self._env = env

    def _changed(self) -> None:
        object.__setattr__(self._env, "_templates", {})

    def __setitem__(self, key: str, value: t.Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def pop(self, *args: t.Any) -> t.Any:
        self._changed()
        return super().pop(*args)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self._changed()
        return super().setdefault(key, default)

    def clear(self) -> None:
        super().clear()
        self._changed()


class DispatchingJinjaLoader(BaseLoader):
    """Load a template from the app's loader, else from the blueprints' loaders.

    The first loader that has the template wins. With ``EXPLAIN_TEMPLATE_LOADING``
    set, every lookup logs the loaders it tried through ``app.logger.info``.
    """

    def __init__(self, app: Vial) -> None:
        self.app = app

    def _loaders(self) -> Iterator[tuple[Scaffold, BaseLoader]]:
        app = self.app
        loader = app.jinja_loader
        if loader is not None:
            yield app, loader
        for blueprint in app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def get_source(self, environment: jinja2.Environment, template: str) -> _Source:
        """Return ``(source, filename, uptodate)`` from the first loader that has ``template``."""
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(self, environment: jinja2.Environment, template: str) -> _Source:
        from .debughelpers import explain_template_loading_attempts

        attempts: list[tuple[BaseLoader, Scaffold, _Source | None]] = []
        for owner, loader in self._loaders():
            try:
                source: _Source | None = loader.get_source(environment, template)
            except TemplateNotFound:
                source = None
            attempts.append((loader, owner, source))
        explain_template_loading_attempts(self.app, template, attempts)
        for _loader, _owner, found in attempts:
            if found is not None:
                return found
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        """The names of all templates the app and its blueprints provide, sorted."""
        names: set[str] = set()
        for _owner, loader in self._loaders():
            names.update(loader.list_templates())
        return sorted(names)


def create_jinja_environment(app: Vial) -> Environment:
    """Create ``app``'s Jinja environment; ``app.jinja_env`` calls this once.

    Options come from ``app.jinja_options``; autoescaping follows
    ``app.select_jinja_autoescape`` and auto-reload ``TEMPLATES_AUTO_RELOAD``
    (debug mode when ``None``). Templates get ``url_for``,
    ``get_flashed_messages``, ``config``, ``request``, ``session`` and ``g``,
    and ``|tojson`` uses ``app.json.dumps``.
    """
    from .helpers import get_flashed_messages

    options = dict(app.jinja_options)
    options.setdefault("autoescape", app.select_jinja_autoescape)
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        options["auto_reload"] = app.debug if auto_reload is None else auto_reload
    environment_class: type[Environment] = getattr(app, "jinja_environment", Environment)
    env = environment_class(app, **options)
    env.globals.update(
        url_for=app.url_for,
        get_flashed_messages=get_flashed_messages,
        config=app.config,
        # The context processor puts these into each render's context; the
        # globals serve imported templates and macros, which do not see it.
        request=request,
        session=session,
        g=g,
    )
    env.policies["json.dumps_function"] = app.json.dumps
    return env


def _default_template_ctx_processor() -> dict[str, t.Any]:
    """Give templates ``g`` in an app context, and ``request`` and ``session`` in a
    request context.

    ``g`` and ``request`` are the objects themselves, which templates read
    faster than the proxies. ``session`` stays the proxy, so a template that
    never uses it neither opens the session nor marks it accessed.
    """
    ctx = _current_ctx()
    if ctx is _NO_CONTEXT:
        return {}
    if isinstance(ctx, RequestContext):
        return {"g": ctx.g, "request": ctx.request, "session": session}
    return {"g": ctx.g}


def _render(app: Vial, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def render_template(template_name_or_list: _TemplateRef, **context: t.Any) -> str:
    """Render a template from the app's templates folders with ``context``.

    Given a list, renders the first template that exists. Raises
    ``jinja2.TemplateNotFound`` when there is none. Needs an app context.
    Example: ``render_template("hello.html", name=name)``.
    """
    app: Vial = _current_ctx().app
    return _render(app, _get_template(app, template_name_or_list), context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render the template ``source`` (a string of Jinja code) with ``context``."""
    app: Vial = _current_ctx().app
    return _render(app, app.jinja_env.from_string(source), context)


def _stream(app: Vial, template: Template, context: dict[str, t.Any]) -> Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    if isinstance(_current_ctx(), RequestContext):
        # The response body is consumed after the view returns: keep the
        # request context (request, session, g) alive until then.
        from .helpers import stream_with_context

        return stream_with_context(generate())
    return generate()


def stream_template(template_name_or_list: _TemplateRef, **context: t.Any) -> Iterator[str]:
    """Render a template piece by piece; return the iterator as a streamed response.

    Inside a request the iterator keeps the request context active while it runs.
    """
    app: Vial = _current_ctx().app
    return _stream(app, _get_template(app, template_name_or_list), context)


def stream_template_string(source: str, **context: t.Any) -> Iterator[str]:
    """Render the template ``source`` piece by piece, like :func:`stream_template`."""
    app: Vial = _current_ctx().app
    return _stream(app, app.jinja_env.from_string(source), context)
