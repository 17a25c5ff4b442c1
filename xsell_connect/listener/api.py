"""JSON APIs: next-best-action for channels, the approval queue for humans (``/v1``)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xsell_connect.listener.ports import Approval, ApprovalError
from xsell_connect.listener.problems import problem

__all__ = ["ApproveRequest", "DecideRequest", "api_routes", "decide"]

_MAX_BODY = 16_384


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approver: str = Field(min_length=1, max_length=200)


class DecideRequest(ApproveRequest):
    reason: str = Field(min_length=1, max_length=2000)


def _services(request: Request) -> Any:
    return request.app.state.services


def approval_json(approval: Approval) -> dict[str, Any]:
    return approval.model_dump(mode="json")


async def next_best_action(request: Request) -> Response:
    party_id = request.path_params["party_id"]
    nba = await _services(request).nba.next_best_action(party_id)
    if nba is None:
        return problem(404, "no-action", "No next-best-action", "nothing to offer this party now")
    return JSONResponse(nba.model_dump(mode="json"))


async def list_approvals(request: Request) -> Response:
    pending = await _services(request).approvals.pending()
    return JSONResponse({"items": [approval_json(a) for a in pending]})


async def decide(
    request: Request, action: str, approval_id: str, fields: dict[str, Any]
) -> Approval | Response:
    """Run ``action`` (approve, reject, recall) on the queue; a problem response on refusal."""
    queue = _services(request).approvals
    try:
        if action == "approve":
            return await queue.approve(approval_id, ApproveRequest(**fields).approver)  # type: ignore[no-any-return]
        decided = DecideRequest(**fields)
        method = queue.reject if action == "reject" else queue.recall
        return await method(approval_id, decided.approver, decided.reason)  # type: ignore[no-any-return]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return problem(400, "invalid-request", "Invalid request", f"{where}: {first['msg']}")
    except ApprovalError as exc:
        status = 404 if exc.code == "not_found" else 409
        return problem(status, exc.code.replace("_", "-"), "Approval refused", str(exc))


async def _json_object(request: Request) -> dict[str, Any] | Response:
    body = await request.body()
    if len(body) > _MAX_BODY:
        return problem(413, "too-large", "Payload too large", f"over {_MAX_BODY} bytes")
    try:
        value = json.loads(body)
    except ValueError:
        return problem(400, "invalid-request", "Invalid request", "body is not valid JSON")
    if not isinstance(value, dict):
        return problem(400, "invalid-request", "Invalid request", "body is not a JSON object")
    return value


def _action(name: str) -> Any:
    async def endpoint(request: Request) -> Response:
        fields = await _json_object(request)
        if isinstance(fields, Response):
            return fields
        result = await decide(request, name, request.path_params["approval_id"], fields)
        return result if isinstance(result, Response) else JSONResponse(approval_json(result))

    endpoint.__name__ = f"{name}_approval"
    return endpoint


def api_routes() -> list[Route]:
    return [
        Route("/v1/parties/{party_id}/next-best-action", next_best_action, methods=["GET"]),
        Route("/v1/approvals", list_approvals, methods=["GET"]),
        *(
            Route(f"/v1/approvals/{{approval_id}}/{name}", _action(name), methods=["POST"])
            for name in ("approve", "reject", "recall")
        ),
    ]
