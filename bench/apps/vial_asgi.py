"""The scenarios in vial with `async def` views, for its ASGI path (the WSGI twin is vial_wsgi).

The same `Vial` class serves both; ASGI apps (Starlette, FastAPI) use async
endpoints, so this flavour is the fair comparison there. vial reads the body
before dispatch, so `request.form` needs no await.
"""

from __future__ import annotations

from bench.apps.common import ITEMS, SECRET_KEY, STATIC_DIR, TEMPLATE_DIR, TITLE, filler_rules
from vial import Response, Vial, jsonify, make_response, render_template, request, session

app = Vial(__name__, static_folder=STATIC_DIR, template_folder=TEMPLATE_DIR)
app.config["SECRET_KEY"] = SECRET_KEY


async def filler(**kwargs: object) -> str:
    return "filler"


for i, rule in enumerate(filler_rules("flask")):
    app.add_url_rule(rule, f"filler{i}", filler)


@app.get("/")
async def hello() -> str:
    return "Hello, World!"


@app.get("/users/<name>/posts/<int:post_id>")
async def params(name: str, post_id: int) -> str:
    return f"{name} {post_id}"


@app.get("/json")
async def json_view() -> Response:
    return jsonify({"message": "Hello, World!", "id": 42, "ok": True})


@app.get("/query")
async def query() -> str:
    args = request.args
    return f"{args.get('name')} {args.get('page', type=int)} {args.get('sort')}"


@app.post("/form")
async def form() -> str:
    f = request.form
    return f"{f['name']}|{f['email']}|{f['city']}|{f.get('age', type=int)}|{f['message']}"


@app.get("/template")
async def template() -> str:
    return render_template("page.html", title=TITLE, items=ITEMS)


@app.get("/cookie")
async def cookie() -> Response:
    visits = int(request.cookies["visits"])
    response = make_response(f"visits {visits}")
    response.set_cookie("visits", str(visits + 1))
    return response


@app.get("/session")
async def session_view() -> str:
    session["count"] = session.get("count", 0) + 1
    return str(session["count"])
