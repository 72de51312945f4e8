"""The scenarios in Bottle, written the way Bottle's docs show; Jinja2 is used directly."""

from __future__ import annotations

import bottle
from bottle import request, response, static_file

from bench.apps.common import ITEMS, STATIC_DIR, TITLE, filler_rules, jinja_env

SKIP = frozenset({"session"})

app = bottle.Bottle()
templates = jinja_env()


def filler(**kwargs: object) -> str:
    return "filler"


for rule in filler_rules("bottle"):
    app.route(rule, "GET", filler)


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.get("/users/<name>/posts/<post_id:int>")
def params(name: str, post_id: int) -> str:
    return f"{name} {post_id}"


@app.get("/json")
def json_view() -> dict[str, object]:
    return {"message": "Hello, World!", "id": 42, "ok": True}


@app.get("/query")
def query() -> str:
    q = request.query
    return f"{q.name} {int(q.page)} {q.sort}"


@app.post("/form")
def form() -> str:
    f = request.forms
    return f"{f.name}|{f.email}|{f.city}|{int(f.age)}|{f.message}"


@app.get("/template")
def template() -> str:
    return templates.get_template("page.html").render(title=TITLE, items=ITEMS)


@app.get("/cookie")
def cookie() -> str:
    visits = int(request.get_cookie("visits"))
    response.set_cookie("visits", str(visits + 1), path="/")
    return f"visits {visits}"


@app.get("/static/<filepath:path>")
def static(filepath: str) -> bottle.HTTPResponse:
    return static_file(filepath, root=STATIC_DIR)
