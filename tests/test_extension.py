"""A small example extension, written the way docs/extensions.md describes,
used by two apps at once: state on the app, teardown hooks, a CLI command."""

from __future__ import annotations

import typing as t

import click

from vial import Vial, current_app, g
from vial.cli import AppGroup


class Counter:
    """Counts hits per key; one object serves any number of apps."""

    def __init__(self, app: Vial | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Vial) -> None:
        app.config.setdefault("COUNTER_START", 0)
        app.extensions["counter"] = {"counts": {}, "released": 0}
        app.teardown_appcontext(self._release)
        group = AppGroup("counter", help="Inspect the counter.")

        @group.command("show")
        @click.argument("key")
        def show(key: str) -> None:
            click.echo(f"{key}={self.get(key)}")

        app.cli.add_command(group)

    @property
    def _state(self) -> dict[str, t.Any]:
        return current_app.extensions["counter"]  # type: ignore[no-any-return]

    def hit(self, key: str) -> int:
        counts = self._state["counts"]
        counts[key] = counts.get(key, current_app.config["COUNTER_START"]) + 1
        g._counter_touched = True
        return counts[key]  # type: ignore[no-any-return]

    def get(self, key: str) -> int:
        return self._state["counts"].get(key, current_app.config["COUNTER_START"])  # type: ignore[no-any-return]

    def _release(self, exc: BaseException | None) -> None:
        if g.pop("_counter_touched", False):
            self._state["released"] += 1


counter = Counter()


def make_app(start: int) -> Vial:
    app = Vial(__name__)
    app.config["COUNTER_START"] = start
    counter.init_app(app)
    app.add_url_rule("/<key>", "hit", lambda key: str(counter.hit(key)))
    return app


def test_one_extension_serves_two_apps() -> None:
    first, second = make_app(0), make_app(100)
    one, two = first.test_client(), second.test_client()
    assert one.get("/a").text == "1"
    assert one.get("/a").text == "2"
    assert two.get("/a").text == "101"
    assert first.extensions["counter"]["counts"] == {"a": 2}
    assert second.extensions["counter"]["counts"] == {"a": 101}
    assert first.extensions["counter"]["released"] == 2


def test_extension_command_runs_in_app_context() -> None:
    app = make_app(5)
    app.test_client().get("/x")
    result = app.test_cli_runner().invoke(args=["counter", "show", "x"])
    assert result.exit_code == 0, result.output
    assert result.output == "x=6\n"


def test_constructor_with_app() -> None:
    app = Vial(__name__)
    Counter(app)
    assert "counter" in app.extensions


def test_app_cli_group_is_named_after_the_app() -> None:
    app = Vial("named_app")
    assert app.cli.name == "named_app"
