"""The scenarios in Starlette, written the way Starlette's docs show.

The session middleware wraps only the session route (Starlette allows
middleware per route), so the other scenarios do not pay for it.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bench.apps.common import ITEMS, SECRET_KEY, STATIC_DIR, TEMPLATE_DIR, TITLE, filler_rules

templates = Jinja2Templates(directory=TEMPLATE_DIR)


async def filler(request: Request) -> Response:
    return PlainTextResponse("filler")


async def hello(request: Request) -> Response:
    return PlainTextResponse("Hello, World!")


async def params(request: Request) -> Response:
    name: str = request.path_params["name"]
    post_id: int = request.path_params["post_id"]
    return PlainTextResponse(f"{name} {post_id}")


async def json_view(request: Request) -> Response:
    return JSONResponse({"message": "Hello, World!", "id": 42, "ok": True})


async def query(request: Request) -> Response:
    q = request.query_params
    return PlainTextResponse(f"{q['name']} {int(q['page'])} {q['sort']}")


async def form(request: Request) -> Response:
    async with request.form() as f:
        text = f"{f['name']}|{f['email']}|{f['city']}|{int(str(f['age']))}|{f['message']}"
    return PlainTextResponse(text)


async def template(request: Request) -> Response:
    return templates.TemplateResponse(request, "page.html", {"title": TITLE, "items": ITEMS})


async def cookie(request: Request) -> Response:
    visits = int(request.cookies["visits"])
    response = PlainTextResponse(f"visits {visits}")
    response.set_cookie("visits", str(visits + 1))
    return response


async def session_view(request: Request) -> Response:
    request.session["count"] = request.session.get("count", 0) + 1
    return PlainTextResponse(str(request.session["count"]))


routes: list[BaseRoute] = [Route(rule, filler) for rule in filler_rules("braces")]
routes += [
    Route("/", hello),
    Route("/users/{name}/posts/{post_id:int}", params),
    Route("/json", json_view),
    Route("/query", query),
    Route("/form", form, methods=["POST"]),
    Route("/template", template),
    Route("/cookie", cookie),
    Route(
        "/session",
        session_view,
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET_KEY)],
    ),
    Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
]
app = Starlette(routes=routes)
