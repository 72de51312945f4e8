"""Blueprints: groups of routes, hooks and handlers registered on an app later."""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict

from .scaffold import Scaffold, _endpoint_from_view_func, _setup_method

if t.TYPE_CHECKING:
    from .app import Vial

__all__ = ["Blueprint", "BlueprintSetupState"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]
#: The default ``cli_group``: commands go in a group named after the blueprint.
_BLUEPRINT_NAME: t.Any = object()


class BlueprintSetupState:
    """What a deferred blueprint function gets when the blueprint is registered on an app."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: Vial,
        options: dict[str, t.Any],
        first_registration: bool,
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain: str | None = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = blueprint.url_prefix if url_prefix is None else url_prefix
        self.name: str = options.get("name", blueprint.name)
        self.name_prefix: str = options.get("name_prefix", "")
        self.url_defaults: dict[str, t.Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        **options: t.Any,
    ) -> None:
        """Register a rule on the app, with the blueprint's prefix, subdomain and name."""
        if self.url_prefix is not None:
            rule = (
                "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
                if rule
                else (self.url_prefix)
            )
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
        )


class Blueprint(Scaffold):
    """A set of routes and handlers to register on an app, under a prefix or name.

    >>> bp = Blueprint("admin", __name__, url_prefix="/admin")
    >>> @bp.route("/")
    ... def index(): ...
    >>> app.register_blueprint(bp)  # serves /admin/ as endpoint "admin.index"
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _BLUEPRINT_NAME,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults = url_defaults or {}
        self.cli_group = cli_group
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}': it has already been registered, so the change would not"
                " apply everywhere. Set the blueprint up completely before registering it."
            )

    @_setup_method
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` each time the blueprint is registered on an app."""
        self.deferred_functions.append(func)

    @_setup_method
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` only the first time the blueprint is registered on an app."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def make_setup_state(
        self, app: Vial, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """Create the state passed to the deferred functions."""
        return BlueprintSetupState(self, app, options, first_registration)

    @_setup_method
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one; its names and URLs get this one's as prefix."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    def register(self, app: Vial, options: dict[str, t.Any]) -> None:
        """Register this blueprint on ``app`` (called by ``app.register_blueprint``)."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            bp_desc = "this" if app.blueprints[name] is self else "a different"
            existing_at = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for"
                f" {bp_desc} blueprint{existing_at}. Use 'name=' to"
                " provide a unique name."
            )
        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        first_name_registration = name not in app.blueprints
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        if first_bp_registration or first_name_registration:
            self._merge_blueprint_funcs(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, options)
        self._register_nested(app, state, name)

    def _register_cli(self, app: Vial, options: dict[str, t.Any]) -> None:
        if "cli" not in self.__dict__ or not self.cli.commands:
            return
        cli_resolved_group = options.get("cli_group", self.cli_group)
        if cli_resolved_group is None:
            app.cli.commands.update(self.cli.commands)
        elif cli_resolved_group is _BLUEPRINT_NAME:
            self.cli.name = self.name
            app.cli.add_command(self.cli)
        else:
            self.cli.name = cli_resolved_group
            app.cli.add_command(self.cli)

    def _register_nested(self, app: Vial, state: BlueprintSetupState, name: str) -> None:
        for blueprint, bp_options in self._blueprints:
            bp_options = bp_options.copy()
            url_prefix = bp_options.get("url_prefix")
            if url_prefix is None:
                url_prefix = blueprint.url_prefix
            if state.url_prefix is not None and url_prefix is not None:
                bp_options["url_prefix"] = (
                    state.url_prefix.rstrip("/") + "/" + url_prefix.lstrip("/")
                )
            elif url_prefix is not None:
                bp_options["url_prefix"] = url_prefix
            elif state.url_prefix is not None:
                bp_options["url_prefix"] = state.url_prefix
            subdomain = bp_options.get("subdomain")
            if subdomain is None:
                subdomain = blueprint.subdomain
            if state.subdomain is not None and subdomain is not None:
                bp_options["subdomain"] = f"{subdomain}.{state.subdomain}"
            elif subdomain is not None:
                bp_options["subdomain"] = subdomain
            elif state.subdomain is not None:
                bp_options["subdomain"] = state.subdomain
            bp_options["name_prefix"] = name
            blueprint.register(app, bp_options)

    def _merge_blueprint_funcs(self, app: Vial, name: str) -> None:
        def extend(
            bp_dict: dict[str | None, list[t.Any]], parent_dict: dict[str | None, list[t.Any]]
        ) -> None:
            for key, values in bp_dict.items():
                key = name if key is None else f"{name}.{key}"
                parent_dict[key].extend(values)

        for key, value in self.error_handler_spec.items():
            key = name if key is None else f"{name}.{key}"
            merged = defaultdict(dict, {code: dict(handlers) for code, handlers in value.items()})
            app.error_handler_spec[key] = merged
        for endpoint, func in self.view_functions.items():
            app.view_functions[endpoint] = func
        extend(self.before_request_funcs, app.before_request_funcs)
        extend(self.after_request_funcs, app.after_request_funcs)
        extend(self.teardown_request_funcs, app.teardown_request_funcs)
        extend(self.url_default_functions, app.url_default_functions)
        extend(self.url_value_preprocessors, app.url_value_preprocessors)
        extend(
            self.template_context_processors,
            app.template_context_processors,
        )

    @_setup_method
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a URL rule, registered on the app with the blueprint's name as prefix."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    # -- app-wide registrations made from a blueprint

    def app_template_filter(self, name: str | None = None) -> t.Callable[[F], F]:
        """Register a template filter for the whole app."""

        def decorator(f: F) -> F:
            self.record_once(lambda s: s.app.add_template_filter(f, name=name))
            return f

        return decorator

    def app_template_test(self, name: str | None = None) -> t.Callable[[F], F]:
        """Register a template test for the whole app."""

        def decorator(f: F) -> F:
            self.record_once(lambda s: s.app.add_template_test(f, name=name))
            return f

        return decorator

    def app_template_global(self, name: str | None = None) -> t.Callable[[F], F]:
        """Register a template global for the whole app."""

        def decorator(f: F) -> F:
            self.record_once(lambda s: s.app.add_template_global(f, name=name))
            return f

        return decorator

    template_filter = app_template_filter
    template_test = app_template_test
    template_global = app_template_global

    def add_app_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """The non-decorator form of :meth:`app_template_filter`."""
        self.record_once(lambda s: s.app.add_template_filter(f, name=name))

    def add_app_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        """The non-decorator form of :meth:`app_template_test`."""
        self.record_once(lambda s: s.app.add_template_test(f, name=name))

    def add_app_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """The non-decorator form of :meth:`app_template_global`."""
        self.record_once(lambda s: s.app.add_template_global(f, name=name))

    def before_app_request(self, f: F) -> F:
        """Run ``f()`` before every request of the app, not only this blueprint's."""
        self.record_once(lambda s: s.app.before_request_funcs.setdefault(None, []).append(f))
        return f

    def after_app_request(self, f: F) -> F:
        """Run ``f(response)`` after every request of the app."""
        self.record_once(lambda s: s.app.after_request_funcs.setdefault(None, []).append(f))
        return f

    def teardown_app_request(self, f: F) -> F:
        """Run ``f(error)`` at the end of every request of the app."""
        self.record_once(lambda s: s.app.teardown_request_funcs.setdefault(None, []).append(f))
        return f

    def app_context_processor(self, f: F) -> F:
        """Add a context processor for every template of the app."""
        self.record_once(lambda s: s.app.template_context_processors[None].append(f))
        return f

    def app_errorhandler(self, code: type[Exception] | int) -> t.Callable[[F], F]:
        """Register an error handler for the whole app."""

        def decorator(f: F) -> F:
            def register(state: BlueprintSetupState) -> None:
                state.app.errorhandler(code)(f)

            self.record_once(register)
            return f

        return decorator

    def app_url_value_preprocessor(self, f: F) -> F:
        """Add a URL value preprocessor for every request of the app."""
        self.record_once(lambda s: s.app.url_value_preprocessors[None].append(f))
        return f

    def app_url_defaults(self, f: F) -> F:
        """Add a URL defaults function for every ``url_for`` of the app."""
        self.record_once(lambda s: s.app.url_default_functions[None].append(f))
        return f
