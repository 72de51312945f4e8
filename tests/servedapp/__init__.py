"""A small app served by real servers in tests/test_servers.py."""

from __future__ import annotations

import asyncio

from vial import Vial, request, session

app = Vial(__name__)
app.secret_key = "served app secret"


@app.route("/")
def index() -> str:
    return "<h1>Hello !</h1>"


@app.route("/home/<name>/")
def home(name: str) -> str:
    return f"<h1>Hello to Home {name}!</h1>"


@app.route("/async")
async def async_view() -> dict[str, object]:
    await asyncio.sleep(0)
    return {"async": True, "q": request.args.get("q")}


@app.post("/echo")
def echo() -> dict[str, object]:
    return {"form": request.form.to_dict(), "json": request.get_json(silent=True)}


@app.route("/count")
def count() -> str:
    session["n"] = session.get("n", 0) + 1
    return str(session["n"])


@app.route("/stream")
def stream() -> object:
    return (f"{i}\n" for i in range(3))
