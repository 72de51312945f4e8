"""The scenarios in FastAPI, with typed parameters the way FastAPI's docs show.

FastAPI has no sessions of its own (the issue lists it without), so the
session scenario is skipped; forms need the python-multipart package.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Cookie, FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bench.apps.common import ITEMS, STATIC_DIR, TEMPLATE_DIR, TITLE, filler_rules

SKIP = frozenset({"session"})

app = FastAPI()
templates = Jinja2Templates(directory=TEMPLATE_DIR)


async def filler() -> str:
    return "filler"


for rule in filler_rules("braces"):
    app.add_api_route(rule, filler, response_class=PlainTextResponse)


@app.get("/", response_class=PlainTextResponse)
async def hello() -> str:
    return "Hello, World!"


@app.get("/users/{name}/posts/{post_id}", response_class=PlainTextResponse)
async def params(name: str, post_id: int) -> str:
    return f"{name} {post_id}"


@app.get("/json")
async def json_view() -> dict[str, object]:
    return {"message": "Hello, World!", "id": 42, "ok": True}


@app.get("/query", response_class=PlainTextResponse)
async def query(name: str, page: int, sort: str) -> str:
    return f"{name} {page} {sort}"


@app.post("/form", response_class=PlainTextResponse)
async def form(
    name: Annotated[str, Form()],
    email: Annotated[str, Form()],
    city: Annotated[str, Form()],
    age: Annotated[int, Form()],
    message: Annotated[str, Form()],
) -> str:
    return f"{name}|{email}|{city}|{age}|{message}"


@app.get("/template", response_class=HTMLResponse)
async def template(request: Request) -> Response:
    return templates.TemplateResponse(request, "page.html", {"title": TITLE, "items": ITEMS})


@app.get("/cookie", response_class=PlainTextResponse)
async def cookie(visits: Annotated[int, Cookie()], response: Response) -> str:
    response.set_cookie("visits", str(visits + 1))
    return f"visits {visits}"


app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
