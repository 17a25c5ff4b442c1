"""Control routes every mock core serves under ``/_mock/``.

``GET /_mock/journal`` (optional ``method``, ``path_prefix``, ``operation`` filters),
``DELETE /_mock/journal``, ``GET /_mock/faults``, ``POST /_mock/faults`` (a JSON list of
rule dicts or compact strings, see `FaultRule.parse`), ``DELETE /_mock/faults`` and
``GET /_mock/health``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from xsell_connect_mocks.framework.faults import FaultRule
from xsell_connect_mocks.framework.journal import JournalEntry

if TYPE_CHECKING:
    from xsell_connect_mocks.framework.core import MockCore

__all__ = ["control_routes", "entry_to_dict"]


def entry_to_dict(entry: JournalEntry) -> dict[str, Any]:
    """JSON form of a journal entry; the body as utf-8 text (invalid bytes replaced)."""
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "operation": entry.operation,
        "idempotency_key": entry.idempotency_key,
        "body": entry.body.decode("utf-8", errors="replace"),
        "created": list(entry.created),
        "fault": entry.fault,
        "changed": entry.changed,
    }


def control_routes(mock: MockCore) -> list[BaseRoute]:
    """The standard ``/_mock/`` routes bound to `mock`."""

    async def journal(request: Request) -> Response:
        if request.method == "DELETE":
            mock.journal.clear()
            return Response(status_code=204)
        q = request.query_params
        entries = mock.journal.entries(
            method=q.get("method"), path_prefix=q.get("path_prefix"), operation=q.get("operation")
        )
        return JSONResponse([entry_to_dict(e) for e in entries])

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            mock.faults.clear()
            return Response(status_code=204)
        if request.method == "POST":
            try:
                rules = _parse_rules(json.loads(await request.body()))
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            for rule in rules:
                mock.faults.add(rule)
        return JSONResponse(
            {
                "rules": [r.to_dict() for r in mock.faults.rules],
                "fired": dict(mock.faults.fired),
            },
            status_code=201 if request.method == "POST" else 200,
        )

    async def health(request: Request) -> Response:
        config = mock.bank.config
        return JSONResponse(
            {
                "status": "ok",
                "platform": mock.platform,
                "seed": config.seed,
                "customers": config.customers,
                "as_of": config.as_of.isoformat(),
            }
        )

    return [
        Route("/_mock/journal", journal, methods=["GET", "DELETE"]),
        Route("/_mock/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_mock/health", health, methods=["GET"]),
    ]


def _parse_rules(payload: Any) -> list[FaultRule]:
    if not isinstance(payload, list):
        raise TypeError("expected a JSON list of fault rules")
    return [
        FaultRule.parse(item) if isinstance(item, str) else FaultRule.from_dict(item)
        for item in payload
    ]
