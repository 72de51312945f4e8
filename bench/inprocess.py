"""In-process timing: each app called directly, no server, no sockets.

WSGI apps are called as ``app(environ, start_response)`` with the body iterated
and ``close()`` called; ASGI apps run inside one event loop with a prebuilt
scope and in-memory ``receive``/``send``. Every answer is checked first; then
each (framework, scenario) case is timed in batches, in rounds that visit the
cases in a shuffled order, so that machine noise hits every framework alike.
"""

from __future__ import annotations

import asyncio
import io
import random
import statistics
import sys
import typing as t
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from time import perf_counter_ns

from werkzeug.test import EnvironBuilder

from bench.apps import Framework
from bench.scenarios import BenchError, HTTPRequest, Reply, Scenario

__all__ = [
    "ASGIClient",
    "Case",
    "InProcessResults",
    "WSGIClient",
    "asgi_scope",
    "client_for",
    "measure",
    "wsgi_environ",
]

Message = dict[str, t.Any]
Timer = Callable[[int], int]
"""Runs ``n`` requests and returns the elapsed nanoseconds."""

_DISCONNECT: Message = {"type": "http.disconnect"}


def wsgi_environ(req: HTTPRequest) -> dict[str, t.Any]:
    """A WSGI environ for ``req``, built once and copied per request."""
    builder = EnvironBuilder(
        path=req.path,
        method=req.method,
        query_string=req.query or None,
        headers=list(req.headers),
        data=req.body or None,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def asgi_scope(req: HTTPRequest) -> dict[str, t.Any]:
    """An ASGI HTTP scope for ``req``, as uvicorn would build it."""
    headers = [(b"host", b"localhost")]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in req.headers]
    if req.body:
        headers.append((b"content-length", str(len(req.body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": req.method,
        "scheme": "http",
        "path": req.path,
        "raw_path": req.path.encode(),
        "query_string": req.query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


class WSGIClient:
    """Calls a WSGI app directly."""

    def __init__(self, app: t.Any) -> None:
        self.app = app

    def send(self, req: HTTPRequest) -> Reply:
        """One request, with the reply captured."""
        captured: list[t.Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> Callable[[bytes], None]:
            captured[:] = [status, headers]
            return _write

        environ = wsgi_environ(req)
        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, headers = captured
        return Reply(int(status.split(" ", 1)[0]), [(k.lower(), v) for k, v in headers], body)

    def timer(self, req: HTTPRequest) -> Timer:
        """A timer for ``req``: copies the environ per request, fresh input for a body."""
        app = self.app
        copy = wsgi_environ(req).copy
        body = req.body

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> Callable[[bytes], None]:
            return _write

        def run_get(n: int) -> int:
            start = perf_counter_ns()
            for _ in range(n):
                chunks: Iterable[bytes] = app(copy(), start_response)
                for _chunk in chunks:
                    pass
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            return perf_counter_ns() - start

        def run_body(n: int) -> int:
            bytes_io = io.BytesIO
            start = perf_counter_ns()
            for _ in range(n):
                environ = copy()
                environ["wsgi.input"] = bytes_io(body)
                chunks: Iterable[bytes] = app(environ, start_response)
                for _chunk in chunks:
                    pass
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            return perf_counter_ns() - start

        return run_body if body else run_get

    def close(self) -> None:
        """Nothing to release."""


def _write(data: bytes) -> None:
    """The ``write`` callable a WSGI server hands back; the suite's apps do not use it."""


class _Exchange:
    """One ASGI request's ``receive`` and ``send``: the body once, then a disconnect
    after the response is complete (as a server does)."""

    __slots__ = ("chunks", "done", "headers", "message", "status", "waiter")

    def __init__(self, message: Message) -> None:
        self.message: Message | None = message
        self.done = False
        self.waiter: asyncio.Future[None] | None = None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def receive(self) -> Message:
        message = self.message
        if message is not None:
            self.message = None
            return message
        if not self.done:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return _DISCONNECT

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.done = True
                if self.waiter is not None and not self.waiter.done():
                    self.waiter.set_result(None)
        elif kind == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))


class _Lifespan:
    """Runs an ASGI app's lifespan protocol: startup before the first request."""

    def __init__(self, app: t.Any, where: str) -> None:
        self.app = app
        self.where = where
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        self.started: asyncio.Future[None] = loop.create_future()
        self.stopped: asyncio.Future[None] = loop.create_future()
        self.task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        self.inbox.put_nowait({"type": "lifespan.startup"})
        self.task = asyncio.ensure_future(self._run())
        await asyncio.wait({self.task, self.started}, return_when=asyncio.FIRST_COMPLETED)
        if self.started.done():
            self.started.result()

    async def shutdown(self) -> None:
        if self.task is None or self.task.done():
            return
        self.inbox.put_nowait({"type": "lifespan.shutdown"})
        await asyncio.wait({self.task, self.stopped}, timeout=5)
        self.task.cancel()

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        try:
            await self.app(scope, self.inbox.get, self._send)
        except Exception:
            pass  # An app without lifespan support raises here; it needs no startup.

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self.started.set_result(None)
        elif kind == "lifespan.startup.failed":
            error = BenchError(f"{self.where}: lifespan startup failed: {message.get('message')}")
            self.started.set_exception(error)
        elif kind.startswith("lifespan.shutdown"):
            self.stopped.set_result(None)


class ASGIClient:
    """Calls an ASGI app directly inside ``loop``, after its lifespan startup."""

    def __init__(self, app: t.Any, loop: asyncio.AbstractEventLoop, where: str) -> None:
        self.app = app
        self.loop = loop
        self.lifespan = loop.run_until_complete(self._start(where))

    async def _start(self, where: str) -> _Lifespan:
        lifespan = _Lifespan(self.app, where)
        await lifespan.startup()
        return lifespan

    def send(self, req: HTTPRequest) -> Reply:
        """One request, with the reply captured."""
        exchange = _Exchange({"type": "http.request", "body": req.body, "more_body": False})
        coro = self.app(asgi_scope(req), exchange.receive, exchange.send)
        self.loop.run_until_complete(coro)
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in exchange.headers]
        return Reply(exchange.status, headers, b"".join(exchange.chunks))

    def timer(self, req: HTTPRequest) -> Timer:
        """A timer for ``req``: a copy of the scope and a fresh exchange per request."""
        app = self.app
        copy = asgi_scope(req).copy
        message = {"type": "http.request", "body": req.body, "more_body": False}
        run_until_complete = self.loop.run_until_complete

        async def run_async(n: int) -> int:
            start = perf_counter_ns()
            for _ in range(n):
                exchange = _Exchange(message)
                await app(copy(), exchange.receive, exchange.send)
            return perf_counter_ns() - start

        def run(n: int) -> int:
            return run_until_complete(run_async(n))

        return run

    def close(self) -> None:
        """Run the lifespan shutdown."""
        self.loop.run_until_complete(self.lifespan.shutdown())


Client = WSGIClient | ASGIClient


def client_for(framework: Framework, app: t.Any, loop: asyncio.AbstractEventLoop) -> Client:
    """A client for ``app`` on ``framework``'s interface."""
    if framework.interface == "wsgi":
        return WSGIClient(app)
    return ASGIClient(app, loop, where(framework))


def where(framework: Framework) -> str:
    """How error messages name a framework: ``Falcon (ASGI)``."""
    return framework.title


@dataclass
class Case:
    """One framework on one scenario: its timer, batch size and samples (µs/request)."""

    framework: Framework
    scenario: Scenario
    timer: Timer | None
    n: int = 0
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        """The median µs per request, None when the framework skips the scenario."""
        return statistics.median(self.samples) if self.samples else None


@dataclass
class InProcessResults:
    """The cases of one run and how they were timed."""

    frameworks: list[Framework]
    scenarios: list[Scenario]
    cases: list[Case]
    rounds: int
    batch_ms: float

    def median(self, framework: Framework, scenario: Scenario) -> float | None:
        """µs per request of ``framework`` on ``scenario``, None for n/a."""
        for case in self.cases:
            if case.framework == framework and case.scenario == scenario:
                return case.median
        return None


def _calibrate(timer: Timer, target_ns: float) -> int:
    """The batch size whose run takes about ``target_ns`` (and warms the case up)."""
    n = 1
    while True:
        elapsed = max(timer(n), 1)
        if elapsed * 4 >= target_ns or n >= 1 << 22:
            return max(1, round(n * target_ns / elapsed))
        n *= min(16, max(2, int(target_ns / 4 / elapsed)))


def build_cases(
    frameworks: list[Framework],
    scenarios: list[Scenario],
    loop: asyncio.AbstractEventLoop,
    clients: list[Client],
) -> list[Case]:
    """Load every app, check every answer, and return the cases to time."""
    cases = []
    for framework in frameworks:
        try:
            loaded = framework.load()
        except ImportError as e:
            raise BenchError(
                f"{where(framework)}: cannot import {framework.module}: {e}."
                " Install the benchmark extra: .venv/bin/pip install -e '.[dev,bench]'"
            ) from None
        client = client_for(framework, loaded.app, loop)
        clients.append(client)
        for scenario in scenarios:
            if scenario.name in loaded.skip:
                cases.append(Case(framework, scenario, None))
                continue
            req = scenario.timed_request(client.send, where(framework))
            scenario.verify(client.send(req), where(framework))
            cases.append(Case(framework, scenario, client.timer(req)))
    return cases


def measure(
    frameworks: list[Framework],
    scenarios: list[Scenario],
    rounds: int,
    batch_ms: float,
    seed: int = 0,
) -> InProcessResults:
    """Check, calibrate and time every case; print progress to stderr."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    clients: list[Client] = []
    try:
        cases = build_cases(frameworks, scenarios, loop, clients)
        timed = [c for c in cases if c.timer is not None]
        print(f"checked {len(cases)} cases, all answers right; calibrating", file=sys.stderr)
        for case in timed:
            assert case.timer is not None
            case.n = _calibrate(case.timer, batch_ms * 1e6)
        rng = random.Random(seed)
        for number in range(1, rounds + 1):
            rng.shuffle(timed)
            for case in timed:
                assert case.timer is not None
                case.samples.append(case.timer(case.n) / case.n / 1000)
            print(f"\rround {number}/{rounds}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    finally:
        for client in clients:
            client.close()
        loop.close()
        asyncio.set_event_loop(None)
    return InProcessResults(frameworks, scenarios, cases, rounds, batch_ms)
