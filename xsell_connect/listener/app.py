"""The listener's ASGI app (Starlette): webhooks, health, metrics, channel and approval APIs.

    app = create_app(services)           # services.build(settings) in production

Every error answers an RFC 9457 problem (``application/problem+json``). A webhook gets a
2xx only after its raw body is committed to the inbox; the store being down answers 503 so
that the sender retries. Concurrent webhooks share their inbox commits (``intake``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import anyio
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from xsell_connect.listener.api import api_routes
from xsell_connect.listener.endpoint import WebhookEndpoint, webhook_source
from xsell_connect.listener.metrics import CONTENT_TYPE
from xsell_connect.listener.page import page_routes
from xsell_connect.listener.problems import problem
from xsell_connect.listener.services import Services

__all__ = ["ListenerApp", "create_app"]

log = logging.getLogger("xsell_connect.listener")


async def receive_webhook(request: Request) -> Response:
    """The route's endpoint, for a request that did not take ``ListenerApp``'s fast path."""
    webhooks: WebhookEndpoint = request.app.webhooks
    return await webhooks.answer(request.path_params["source"], request.scope, request.receive)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services

    def store_ok() -> bool:
        try:
            with services.store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    store_up = await anyio.to_thread.run_sync(store_ok)
    checks: dict[str, str] = {"store": "ok" if store_up else "down"}
    if services.broker_ready is not None:
        checks["broker"] = "ok" if services.broker_ready() else "down"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unready", **checks}, 200 if ready else 503
    )


async def metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    payload = await anyio.to_thread.run_sync(services.metrics.render)
    return Response(payload, media_type=CONTENT_TYPE)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers: Mapping[str, str] | None = exc.headers
    response = problem(exc.status_code, "http", str(exc.detail), str(exc.detail))
    response.headers.update(headers or {})
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem(500, "internal", "Internal error", "the listener failed; see its log")


class ListenerApp(Starlette):
    """Starlette, with ``POST /webhooks/{source}`` answered before the middleware stack.

    The webhook endpoint (``endpoint.WebhookEndpoint``) gets the request first, straight
    from the server; an error it does not answer itself is answered as Starlette's
    ``ServerErrorMiddleware`` would (the 500 problem, logged, raised on to the server).
    Everything else, other methods on the same path included, goes through Starlette.
    """

    def __init__(self, webhooks: WebhookEndpoint, **options: Any) -> None:
        super().__init__(**options)
        self.webhooks = webhooks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await super().__call__(scope, receive, send)
            return
        name = webhook_source(scope)
        if name is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        started = False
        try:
            response = await self.webhooks.answer(name, scope, receive)
            started = True
            await response(scope, receive, send)
        except Exception as exc:
            error = await _server_error(Request(scope), exc)
            if not started:
                await error(scope, receive, send)
            raise


def create_app(services: Services) -> ListenerApp:
    """The ASGI app over ``services``; ``services.lifespan`` runs workers and the consumer."""
    routes = [
        Route("/webhooks/{source}", receive_webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        *api_routes(),
        *page_routes(),
    ]
    app = ListenerApp(
        WebhookEndpoint(services),
        routes=routes,
        lifespan=services.lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.services = services
    return app
