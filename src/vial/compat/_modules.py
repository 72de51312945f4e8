"""Which vial object each name of each Flask 3.1 module stands for.

Every entry maps a Flask name to ``"vial.module:attribute"``; the modules the
shim builds import the vial module the first time the name is read. Names
Flask has and vial does not are left out (``docs/compat.md`` lists them).
"""

from __future__ import annotations


def _same(module: str, *names: str) -> dict[str, str]:
    """Flask names that vial's ``module`` has under the same name."""
    return {name: f"{module}:{name}" for name in names}


_SIGNALS = _same(
    "vial.signals",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
)
_GLOBALS = _same("vial.globals", "current_app", "g", "request", "session")
_HELPERS = _same(
    "vial.helpers",
    "abort",
    "flash",
    "get_flashed_messages",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
)
_CTX = _same(
    "vial.ctx",
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
)
_RENDER = _same(
    "vial.templating",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
)
_ENV_HELPERS = {
    "get_debug_flag": "vial.app:_get_debug_flag",
    "get_load_dotenv": "vial.cli:get_load_dotenv",
}
_APP = {"Flask": "vial.app:Vial"}
# vial has no IO-free base class: Vial is the whole app, so Flask's sans-IO App is Vial too.
_SANSIO_APP = {"App": "vial.app:Vial"}

#: Flask module name -> {Flask name: "vial.module:attribute"}.
FLASK_MODULES: dict[str, dict[str, str]] = {
    "flask": {
        **_APP,
        **_same("vial.blueprints", "Blueprint"),
        **_same("vial.config", "Config"),
        **_same("vial.request", "Request"),
        **_same("vial.response", "Response"),
        **{name: target for name, target in _CTX.items() if name[0].islower()},
        **_GLOBALS,
        **_HELPERS,
        **_same("vial.json", "jsonify"),
        **_RENDER,
        **_SIGNALS,
    },
    "flask.app": {
        **_APP,
        **_SANSIO_APP,
        **_same("vial.request", "Request"),
        **_same("vial.response", "Response"),
        **_same("vial.ctx", "AppContext", "RequestContext"),
        **_same("vial.sessions", "SessionInterface", "SecureCookieSessionInterface"),
        **_same("vial.templating", "Environment"),
        **_same("vial.routing", "BuildError", "Rule"),
        **_GLOBALS,
        **_ENV_HELPERS,
        **_same("vial.helpers", "get_flashed_messages", "send_from_directory"),
        **_same(
            "vial.signals",
            "appcontext_tearing_down",
            "got_request_exception",
            "request_finished",
            "request_started",
            "request_tearing_down",
        ),
        "request_ctx": "vial.compat._globals:request_ctx",
    },
    "flask.blueprints": {
        **_same("vial.blueprints", "Blueprint", "BlueprintSetupState"),
        # One Blueprint class serves both of Flask's.
        "SansioBlueprint": "vial.blueprints:Blueprint",
        **_same("vial.cli", "AppGroup"),
        **_same("vial.globals", "current_app"),
        **_same("vial.helpers", "send_from_directory"),
    },
    "flask.cli": {
        **_same(
            "vial.cli",
            "AppGroup",
            "CertParamType",
            "NoAppException",
            "ScriptInfo",
            "SeparatedPathType",
            "find_app_by_string",
            "find_best_app",
            "get_load_dotenv",
            "get_version",
            "load_dotenv",
            "locate_app",
            "pass_script_info",
            "prepare_import",
            "routes_command",
            "run_command",
            "shell_command",
            "show_server_banner",
            "with_appcontext",
        ),
        "FlaskGroup": "vial.cli:VialGroup",
        "get_debug_flag": "vial.app:_get_debug_flag",
        **_same("vial.compat._cli", "cli", "main"),
        **_same("vial.globals", "current_app"),
    },
    "flask.config": _same("vial.config", "Config", "ConfigAttribute"),
    "flask.ctx": {**_CTX, **_same("vial.signals", "appcontext_popped", "appcontext_pushed")},
    "flask.debughelpers": {
        **_same(
            "vial.debughelpers",
            "DebugFilesKeyError",
            "FormDataRoutingRedirect",
            "UnexpectedUnicodeError",
            "attach_enctype_error_multidict",
            "explain_template_loading_attempts",
        ),
        **_SANSIO_APP,
        **_same("vial.blueprints", "Blueprint"),
        "request_ctx": "vial.compat._globals:request_ctx",
    },
    "flask.globals": {
        **_GLOBALS,
        **_same("vial.compat._globals", "app_ctx", "request_ctx", "_cv_app", "_cv_request"),
    },
    "flask.helpers": {
        **_HELPERS,
        **_ENV_HELPERS,
        **_same("vial.scaffold", "get_root_path"),
        **_same("vial.signals", "message_flashed"),
        **_same("vial.globals", "current_app", "request", "session"),
        "request_ctx": "vial.compat._globals:request_ctx",
    },
    "flask.json": {
        **_same("vial.json", "dump", "dumps", "jsonify", "load", "loads"),
        **_same("vial.globals", "current_app"),
    },
    "flask.json.provider": _same("vial.json.provider", "DefaultJSONProvider", "JSONProvider"),
    "flask.json.tag": _same(
        "vial.json.tag",
        "JSONTag",
        "PassDict",
        "PassList",
        "TagBytes",
        "TagDateTime",
        "TagDict",
        "TagMarkup",
        "TagTuple",
        "TagUUID",
        "TaggedJSONSerializer",
    ),
    "flask.logging": {
        **_same(
            "vial.logging",
            "create_logger",
            "default_handler",
            "has_level_handler",
            "wsgi_errors_stream",
        ),
        **_same("vial.globals", "request"),
    },
    "flask.sansio": {},
    "flask.sansio.app": {
        **_SANSIO_APP,
        **_same("vial.config", "Config", "ConfigAttribute"),
        **_same("vial.json.provider", "DefaultJSONProvider", "JSONProvider"),
        **_same("vial.scaffold", "Scaffold", "find_package"),
        **_same("vial.templating", "DispatchingJinjaLoader", "Environment"),
        "create_logger": "vial.logging:create_logger",
        "get_debug_flag": "vial.app:_get_debug_flag",
        "setupmethod": "vial.scaffold:_setup_method",
    },
    "flask.sansio.blueprints": {
        **_same("vial.blueprints", "Blueprint", "BlueprintSetupState", "DeferredSetupFunction"),
        **_same("vial.scaffold", "Scaffold"),
        "setupmethod": "vial.scaffold:_setup_method",
    },
    "flask.sansio.scaffold": {
        **_same("vial.scaffold", "Scaffold", "find_package", "get_root_path"),
        "setupmethod": "vial.scaffold:_setup_method",
    },
    "flask.sessions": {
        **_same(
            "vial.sessions",
            "NullSession",
            "SecureCookieSession",
            "SecureCookieSessionInterface",
            "SessionInterface",
            "SessionMixin",
            "session_json_serializer",
        ),
        **_same("vial.json.tag", "TaggedJSONSerializer"),
    },
    # Flask-Login makes its signals with ``flask.signals.Namespace`` (blinker's).
    "flask.signals": {**_SIGNALS, "Namespace": "blinker:Namespace"},
    "flask.templating": {
        **_same("vial.templating", "DispatchingJinjaLoader", "Environment"),
        **_RENDER,
        **_same("vial.signals", "before_render_template", "template_rendered"),
        **_same("vial.helpers", "stream_with_context"),
        **_same("vial.globals", "current_app", "request"),
    },
    "flask.testing": {
        **_same("vial.testing", "EnvironBuilder"),
        "FlaskClient": "vial.testing:VialClient",
        "FlaskCliRunner": "vial.testing:VialCliRunner",
        **_same("vial.cli", "ScriptInfo"),
        **_same("vial.sessions", "SessionMixin"),
    },
    "flask.typing": _same(
        "vial.compat._typing",
        "AfterRequestCallable",
        "AppOrBlueprintKey",
        "BeforeFirstRequestCallable",
        "BeforeRequestCallable",
        "ErrorHandlerCallable",
        "HeaderValue",
        "HeadersValue",
        "ResponseClass",
        "ResponseReturnValue",
        "ResponseValue",
        "RouteCallable",
        "ShellContextProcessorCallable",
        "TeardownCallable",
        "TemplateContextProcessorCallable",
        "TemplateFilterCallable",
        "TemplateGlobalCallable",
        "TemplateTestCallable",
        "URLDefaultCallable",
        "URLValuePreprocessorCallable",
    ),
    "flask.views": {
        **_same("vial.views", "MethodView", "View"),
        "http_method_funcs": "vial.views:_HTTP_METHOD_FUNCS",
        **_same("vial.globals", "current_app", "request"),
    },
    "flask.wrappers": {
        **_same("vial.request", "Request"),
        **_same("vial.response", "Response"),
        **_same("vial.globals", "current_app"),
    },
}

#: Modules with submodules: they get a ``__path__``, as packages do.
PACKAGES = frozenset({"flask", "flask.json", "flask.sansio"})
