"""Jinja templates: escaping, context, loaders, blueprints, streaming and signals."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Template, TemplateNotFound
from markupsafe import Markup

from vial import (
    Blueprint,
    Vial,
    before_render_template,
    flash,
    g,
    render_template,
    render_template_string,
    session,
    stream_template,
    stream_template_string,
    template_rendered,
)
from vial.debughelpers import explain_template_loading_attempts
from vial.templating import DispatchingJinjaLoader, Environment
from vial.testing import VialClient

TEMPLATES = {
    "escaped.html": "{{ text }}|{{ text|safe }}|{{ markup }}",
    "escaped.htm": "{{ text }}",
    "escaped.xml": "{{ text }}",
    "escaped.xhtml": "{{ text }}",
    "escaped.svg": "{{ text }}",
    "plain.txt": "{{ text }}",
    "base.html": "<title>{% block title %}Site{% endblock %}</title>"
    "<main>{% block body %}{% endblock %}</main>",
    "child.html": '{% extends "base.html" %}{% block title %}Child - {{ super() }}'
    "{% endblock %}{% block body %}{% include 'part.html' %}{% endblock %}",
    "part.html": "<p>{{ who }}</p>",
    "macros.html": "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}",
    "uses_macro.html": '{% from "macros.html" import hello %}{{ hello(who) }}',
    "imports_macro.html": '{% import "macros.html" as m %}{{ m.hello(who) }}',
    "context.html": "{{ config.SECRET_KEY }}|{{ request.path }}|{{ session.user }}"
    "|{{ g.answer }}|{{ url_for('context') }}",
    "imported_globals.html": '{% import "globals_macro.html" as m %}{{ m.show() }}',
    "globals_macro.html": "{% macro show() %}{{ request.path }}|{{ g.answer }}{% endmacro %}",
    "shared.html": "from the app",
    "stream.html": "{% for n in numbers %}<{{ n }}:{{ request.args.q }}>{% endfor %}",
}

BLUEPRINT_TEMPLATES = {
    "shared.html": "from the blueprint",
    "admin/only.html": "admin only {{ value }}",
}


def write(folder: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Vial:
    """An app whose templates folder holds :data:`TEMPLATES`, not in debug mode."""
    monkeypatch.delenv("VIAL_DEBUG", raising=False)
    write(tmp_path / "templates", TEMPLATES)
    app = Vial("templated_app", root_path=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY="test secret")
    return app


@pytest.fixture
def blueprint(app: Vial, tmp_path: Path) -> Blueprint:
    write(tmp_path / "admin" / "templates", BLUEPRINT_TEMPLATES)
    bp = Blueprint(
        "admin", __name__, root_path=str(tmp_path / "admin"), template_folder="templates"
    )

    @bp.route("/shared")
    def shared() -> str:
        return render_template("shared.html")

    @bp.route("/only")
    def only() -> str:
        return render_template("admin/only.html")

    return bp


# -- escaping


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("escaped.html", "&lt;b&gt;|<b>|<i>safe</i>"),
        ("escaped.htm", "&lt;b&gt;"),
        ("escaped.xml", "&lt;b&gt;"),
        ("escaped.xhtml", "&lt;b&gt;"),
        ("escaped.svg", "&lt;b&gt;"),
        ("plain.txt", "<b>"),
    ],
)
def test_autoescape_by_extension(app: Vial, name: str, expected: str) -> None:
    with app.app_context():
        rv = render_template(name, text="<b>", markup=Markup("<i>safe</i>"))
    assert rv == expected


def test_template_strings_are_escaped(app: Vial) -> None:
    with app.app_context():
        assert render_template_string("{{ s }}", s="<x>") == "&lt;x&gt;"
        assert render_template_string("{{ s|safe }}", s="<x>") == "<x>"
        assert render_template_string("{% autoescape false %}{{ s }}{% endautoescape %}", s="<x>")


def test_tojson_is_html_safe_and_uses_app_json(app: Vial) -> None:
    data = {"b": "</script><script>alert('x')</script>", "a": date(2024, 1, 2), "amp": "&"}
    with app.app_context():
        rv = render_template_string("<script>var d = {{ data|tojson }};</script>", data=data)
        dumped = app.json.dumps(data, sort_keys=True)
    assert "</script><script>" not in rv
    assert "\\u003c/script\\u003e" in rv
    assert "\\u0027" in rv
    assert "\\u0026" in rv
    assert "&#34;" not in rv
    assert "&quot;" not in rv
    # Same JSON as app.json.dumps (date formatting, sorted keys), made HTML-safe.
    assert (
        rv
        == "<script>var d = "
        + (
            dumped.replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("'", "\\u0027")
        )
        + ";</script>"
    )


def test_tojson_follows_a_replaced_json_dumps(app: Vial) -> None:
    calls = []
    original = app.json.dumps

    def dumps(obj: Any, **kwargs: Any) -> str:
        calls.append(obj)
        return original(obj, **kwargs)

    app.json.dumps = dumps  # type: ignore[method-assign]
    with app.app_context():
        assert render_template_string("{{ 1|tojson }}") == "1"
    assert calls == [1]


# -- context


def test_context_has_config_request_session_g_url_for(app: Vial, client: VialClient) -> None:
    @app.route("/context")
    def context() -> str:
        session["user"] = "ann"
        g.answer = 42
        return render_template("context.html")

    assert client.get("/context").text == "test secret|/context|ann|42|/context"


def test_imported_macros_see_request_and_g(app: Vial, client: VialClient) -> None:
    @app.route("/macro")
    def macro() -> str:
        g.answer = 7
        return render_template("imported_globals.html")

    assert client.get("/macro").text == "/macro|7"


def test_caller_values_win_over_context_processors(app: Vial, client: VialClient) -> None:
    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"who": "processor", "extra": "added"}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ who }} {{ extra }}", who="caller")

    assert client.get("/").text == "caller added"


def test_context_processor_outside_request(app: Vial) -> None:
    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"site": "vial"}

    with app.app_context():
        g.answer = 1
        assert render_template_string("{{ site }} {{ g.answer }}") == "vial 1"


def test_render_does_not_open_an_unused_session(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("{{ 1 + 1 }}")

    rv = client.get("/")
    assert rv.text == "2"
    assert "Cookie" not in rv.headers.get("Vary", "")


def test_get_flashed_messages_in_template(app: Vial, client: VialClient) -> None:
    @app.route("/flash")
    def do_flash() -> str:
        flash("saved")
        flash("careful", "warning")
        return ""

    @app.route("/show")
    def show() -> str:
        return render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}:{{ m }}]"
            "{% endfor %}"
        )

    client.get("/flash")
    assert client.get("/show").text == "[message:saved][warning:careful]"
    assert client.get("/show").text == ""


def test_blueprint_context_processor_only_for_its_requests(
    app: Vial, client: VialClient, blueprint: Blueprint
) -> None:
    @blueprint.context_processor
    def bp_value() -> dict[str, Any]:
        return {"value": "from bp"}

    @blueprint.app_context_processor
    def everywhere() -> dict[str, Any]:
        return {"everywhere": "yes"}

    @app.route("/plain")
    def plain() -> str:
        return render_template("admin/only.html") + render_template_string("{{ everywhere }}")

    app.register_blueprint(blueprint, url_prefix="/admin")
    assert client.get("/admin/only").text == "admin only from bp"
    assert client.get("/plain").text == "admin only yes"


# -- filters, tests, globals


def test_template_filter_global_test(app: Vial) -> None:
    @app.template_filter()
    def shout(s: str) -> str:
        return s.upper() + "!"

    @app.template_filter("rev")
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_global()
    def answer() -> int:
        return 42

    @app.template_test("even_number")
    def is_even(n: int) -> bool:
        return n % 2 == 0

    app.add_template_filter(str.title, "title_case")

    with app.app_context():
        assert render_template_string("{{ 'hi'|shout }} {{ 'abc'|rev }}") == "HI! cba"
        assert render_template_string("{{ answer() }}") == "42"
        assert render_template_string("{{ 4 is even_number }} {{ 3 is even_number }}") == (
            "True False"
        )
        assert render_template_string("{{ 'ab cd'|title_case }}") == "Ab Cd"


def test_blueprint_app_template_filter(app: Vial, blueprint: Blueprint) -> None:
    @blueprint.app_template_filter()
    def twice(s: str) -> str:
        return s * 2

    app.register_blueprint(blueprint)
    with app.app_context():
        assert render_template_string("{{ 'ab'|twice }}") == "abab"


# -- loading


def test_inheritance_include_and_macros(app: Vial) -> None:
    with app.app_context():
        assert render_template("child.html", who="<me>") == (
            "<title>Child - Site</title><main><p>&lt;me&gt;</p></main>"
        )
        assert render_template("uses_macro.html", who="ann") == "Hello ann!"
        assert render_template("imports_macro.html", who="bob") == "Hello bob!"


def test_missing_template(app: Vial, client: VialClient) -> None:
    with app.app_context():
        with pytest.raises(TemplateNotFound):
            render_template("missing.html")
        with pytest.raises(TemplateNotFound):
            stream_template("missing.html")

    @app.route("/")
    def index() -> str:
        return render_template("missing.html")

    with pytest.raises(TemplateNotFound):
        client.get("/")


def test_first_existing_of_a_list(app: Vial) -> None:
    with app.app_context():
        assert render_template(["missing.html", "plain.txt"], text="<x>") == "<x>"
        template = app.jinja_env.get_template("plain.txt")
        assert render_template(template, text="t") == "t"


def test_render_needs_an_app_context(app: Vial) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        render_template("plain.txt")


def test_app_template_overrides_blueprint_template(
    app: Vial, client: VialClient, blueprint: Blueprint
) -> None:
    app.register_blueprint(blueprint, url_prefix="/admin")
    assert client.get("/admin/shared").text == "from the app"
    assert client.get("/admin/only").text == "admin only "
    loader = app.jinja_env.loader
    assert isinstance(loader, DispatchingJinjaLoader)
    names = loader.list_templates()
    assert {"shared.html", "admin/only.html", "child.html"} <= set(names)
    assert names.count("shared.html") == 1


def test_explain_template_loading(
    app: Vial, blueprint: Blueprint, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    app.register_blueprint(blueprint)
    caplog.set_level(logging.INFO, logger=app.logger.name)
    with app.app_context():
        render_template("shared.html")
        with pytest.raises(TemplateNotFound):
            render_template("nowhere.html")
    found, missing = (r.getMessage() for r in caplog.records)
    assert "'shared.html'" in found
    assert "application 'templated_app'" in found
    assert "blueprint 'admin'" in found
    assert "found" in found
    assert "several loaders" in found.lower()
    assert "'nowhere.html'" in missing
    assert "no loader" in missing.lower()


def test_explain_template_loading_attempts_directly(
    app: Vial, caplog: pytest.LogCaptureFixture
) -> None:
    from jinja2 import DictLoader

    caplog.set_level(logging.INFO, logger=app.logger.name)
    first, second = DictLoader({"a.html": "1"}), DictLoader({"a.html": "2"})
    found = ("1", "/first/a.html", None)
    attempts = [(first, app, found), (second, app, ("2", None, None))]
    explain_template_loading_attempts(app, "a.html", attempts)
    (message,) = (r.getMessage() for r in caplog.records)
    assert "1. application 'templated_app' (DictLoader): found at '/first/a.html'" in message
    assert "found at '<no filename>' (hidden by the earlier match)" in message


def test_jinja_options_and_custom_loader(app: Vial) -> None:
    from jinja2 import DictLoader

    app.jinja_options = {"loader": DictLoader({"a.txt": "<<x>>"}), "variable_start_string": "<<"}
    app.jinja_options["variable_end_string"] = ">>"
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    with app.app_context():
        assert render_template("a.txt", x="ok") == "ok"


def test_auto_reload_follows_config_and_debug(app: Vial) -> None:
    assert app.jinja_env.auto_reload is False

    debug_app = Vial("debug_app")
    debug_app.debug = True
    assert debug_app.jinja_env.auto_reload is True

    forced = Vial("forced_app")
    forced.debug = True
    forced.config["TEMPLATES_AUTO_RELOAD"] = False
    assert forced.jinja_env.auto_reload is False


def test_changed_template_is_reloaded_only_with_auto_reload(app: Vial, tmp_path: Path) -> None:
    path = tmp_path / "templates" / "plain.txt"

    def edit(source: str) -> None:
        mtime = path.stat().st_mtime
        path.write_text(source)
        os.utime(path, (mtime + 10, mtime + 10))

    with app.app_context():
        assert render_template("plain.txt", text="a") == "a"
        edit("v2 {{ text }}")
        assert render_template("plain.txt", text="a") == "a"  # cached
        app.jinja_env.auto_reload = True
        assert render_template("plain.txt", text="a") == "v2 a"
        edit("v3 {{ text }}")
        assert render_template("plain.txt", text="a") == "v3 a"


def test_replacing_the_loader_drops_cached_templates(app: Vial) -> None:
    from jinja2 import DictLoader

    with app.app_context():
        assert render_template("plain.txt", text="a") == "a"
        app.jinja_env.loader = DictLoader({"plain.txt": "dict {{ text }}"})
        assert render_template("plain.txt", text="a") == "dict a"


# -- render_template_string and streaming


def test_render_template_string(app: Vial, client: VialClient) -> None:
    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        return render_template_string("Hello {{ name }} at {{ request.path }}", name=name)

    assert client.get("/hello/<ann>").text == "Hello &lt;ann&gt; at /hello/&lt;ann&gt;"


def test_stream_template_keeps_request_context(app: Vial, client: VialClient) -> None:
    @app.route("/stream")
    def stream() -> Any:
        return app.response_class(stream_template("stream.html", numbers=[1, 2, 3]))

    @app.route("/stream-string")
    def stream_string() -> Any:
        return app.response_class(stream_template_string("{{ request.args.q }}!"))

    assert client.get("/stream?q=x").text == "<1:x><2:x><3:x>"
    assert client.get("/stream-string?q=y").text == "y!"


def test_stream_template_outside_request(app: Vial) -> None:
    with app.app_context():
        chunks = stream_template_string("{% for c in 'abc' %}{{ c }}{% endfor %}")
        assert isinstance(chunks, Iterator)
        assert "".join(chunks) == "abc"


# -- signals


def test_signals(app: Vial, client: VialClient) -> None:
    events: list[tuple[str, Any, Template, dict[str, Any]]] = []

    def before(sender: Any, template: Template, context: dict[str, Any]) -> None:
        events.append(("before", sender, template, context))

    def after(sender: Any, template: Template, context: dict[str, Any]) -> None:
        events.append(("after", sender, template, context))

    @app.route("/")
    def index() -> str:
        return render_template("plain.txt", text="hi")

    @app.route("/stream")
    def stream() -> Any:
        return app.response_class(stream_template_string("{{ text }}", text="s"))

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
    ):
        assert client.get("/").text == "hi"
        assert [e[0] for e in events] == ["before", "after"]
        for _, sender, template, context in events:
            assert sender is app
            assert template.name == "plain.txt"
            assert context["text"] == "hi"
            assert "request" in context
            assert "config" not in context
        events.clear()
        assert client.get("/stream").text == "s"
        assert [e[0] for e in events] == ["before", "after"]
        assert events[0][3]["text"] == "s"

    events.clear()
    client.get("/")
    assert events == []


def test_session_proxy_in_template_reads_session(app: Vial, client: VialClient) -> None:
    @app.route("/login")
    def login() -> str:
        session["user"] = "ann"
        return ""

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ session.get('user') }}")

    client.get("/login")
    rv = client.get("/")
    assert rv.text == "ann"
    assert "Cookie" in rv.headers["Vary"]


def test_globals_added_after_a_render_are_seen(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "g.html").write_text("{{ greeting | default('none') }}")
    app = Vial(__name__, root_path=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    with app.test_request_context():
        assert render_template("g.html") == "none"
        app.jinja_env.globals["greeting"] = "hello"
        assert render_template("g.html") == "hello"
        app.jinja_env.globals.update(greeting="bonjour")
        assert render_template("g.html") == "bonjour"
