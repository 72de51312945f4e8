"""The scenarios in Falcon's ASGI app: resource classes with `async def` responders.

Falcon has no templating or sessions: templates use Jinja2 directly, the
session scenario is skipped.
"""

from __future__ import annotations

import falcon
import falcon.asgi

from bench.apps.common import ITEMS, STATIC_DIR, TITLE, filler_rules, jinja_env

SKIP = frozenset({"session"})

templates = jinja_env()


class Filler:
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, **kwargs: object
    ) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "filler"


class Hello:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class Params:
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, name: str, post_id: int
    ) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"{name} {post_id}"


class Json:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"message": "Hello, World!", "id": 42, "ok": True}


class Query:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        name = req.get_param("name")
        page = req.get_param_as_int("page")
        sort = req.get_param("sort")
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"{name} {page} {sort}"


class Form:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        f = await req.get_media()
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"{f['name']}|{f['email']}|{f['city']}|{int(f['age'])}|{f['message']}"


class Template:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = templates.get_template("page.html").render(title=TITLE, items=ITEMS)


class Cookie:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        visits = int(req.cookies["visits"])
        resp.set_cookie("visits", str(visits + 1), path="/")
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"visits {visits}"


app = falcon.asgi.App()
filler_resource = Filler()
for rule in filler_rules("braces"):
    app.add_route(rule, filler_resource)
app.add_route("/", Hello())
app.add_route("/users/{name}/posts/{post_id:int}", Params())
app.add_route("/json", Json())
app.add_route("/query", Query())
app.add_route("/form", Form())
app.add_route("/template", Template())
app.add_route("/cookie", Cookie())
app.add_static_route("/static", STATIC_DIR)
