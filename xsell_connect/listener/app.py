"""The listener's ASGI app (Starlette): webhooks, health, metrics, channel and approval APIs.

    app = create_app(services)           # services.build(settings) in production

Every error answers an RFC 9457 problem (``application/problem+json``). A webhook gets a
2xx only after its raw body is committed to the inbox; the store being down answers 503 so
that the sender retries. Concurrent webhooks share their inbox commits (``intake``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import anyio
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xsell_connect.errors import SignatureError
from xsell_connect.listener.api import api_routes
from xsell_connect.listener.ingest import Outcome
from xsell_connect.listener.metrics import CONTENT_TYPE
from xsell_connect.listener.page import page_routes
from xsell_connect.listener.problems import problem
from xsell_connect.listener.services import Services

__all__ = ["create_app"]

log = logging.getLogger("xsell_connect.listener")


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it passes ``limit`` (not after reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


async def receive_webhook(request: Request) -> Response:
    services: Services = request.app.state.services
    name = request.path_params["source"]
    source = services.settings.source(name)
    verifier = services.verifiers.get(name)
    if source is None or verifier is None:
        return problem(404, "unknown-source", "Unknown source", f"no webhook source {name!r}")
    try:
        body = await _read_body(request, source.max_body_bytes)
    except _TooLarge:
        return problem(413, "too-large", "Payload too large", f"over {source.max_body_bytes} bytes")
    headers = _lower(request.headers)
    client = request.client.host if request.client else None
    try:
        webhook_id = verifier.verify(headers, body, client=client, now=time.time())
    except SignatureError as exc:
        services.metrics.verification_failures.labels(name, exc.attribute or "other").inc()
        return problem(401, "unverified", "Webhook not verified", str(exc))
    try:
        accepted = await services.intake.accept(
            source, "webhook", headers, body, delivery_id=webhook_id
        )
    except Exception:
        log.exception("inbox commit failed for source %s", name)
        return problem(503, "store-unavailable", "Store unavailable", "try again later")
    services.count(name, "webhook", accepted)
    if accepted.outcome is Outcome.REJECTED:
        return problem(
            400,
            "malformed",
            "Malformed event",
            accepted.reason or "malformed",
            attribute=accepted.attribute,
            inbox_id=accepted.inbox_id,
        )
    status = 202 if accepted.outcome is Outcome.STORED else 200
    return JSONResponse({"status": accepted.outcome.value, "id": accepted.inbox_id}, status)


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


def create_app(services: Services) -> Starlette:
    """The ASGI app over ``services``; ``services.lifespan`` runs workers and the consumer."""
    routes = [
        Route("/webhooks/{source}", receive_webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        *api_routes(),
        *page_routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=services.lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.services = services
    return app
