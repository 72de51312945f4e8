"""A small vial app showing the core: routes, templates, JSON, errors, hooks, a command.

Run it from the repository root with ``make demo``, or::

    vial --app examples/demo/app.py run --debug
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from vial import Vial, g, render_template, request, url_for

app = Vial(__name__)

# One process-wide counter: enough to show a before_request hook at work.
_visits = 0


@app.before_request
def count_visit() -> None:
    global _visits
    _visits += 1
    g.visits = _visits


@app.route("/")
def index() -> str:
    links = [
        ("Bob's home page", url_for("home", name="bob")),
        ("The time, as JSON", url_for("api_time")),
        ("A missing page", "/nowhere"),
    ]
    return render_template("index.html", links=links)


@app.route("/home/<name>/")
def home(name: str) -> str:
    return render_template("home.html", name=name)


@app.route("/api/time")
def api_time() -> dict[str, object]:
    now = datetime.now(UTC)
    return {"utc": now.isoformat(timespec="seconds"), "timestamp": int(now.timestamp())}


@app.errorhandler(404)
def not_found(error: Exception) -> tuple[str, int]:
    return render_template("404.html", path=request.path), 404


@app.cli.command()
@click.argument("name", default="world")
def greet(name: str) -> None:
    """Greet NAME from the command line (inside the app context)."""
    click.echo(f"Hello, {name}! (from the {app.name!r} app)")


if __name__ == "__main__":
    app.run(debug=True)
