"""The approver page: pending offers with their explanation, and approve / reject buttons.

Server-rendered, no JavaScript: plain HTML forms posting back (``application/x-www-form-
urlencoded``), answered with a redirect to the list. Every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from xsell_connect.listener.api import decide
from xsell_connect.listener.ports import Approval

__all__ = ["page_routes", "render_page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>xsell-connect approvals</title>
<style>body{{font-family:sans-serif;margin:2em}}li.approval{{border:1px solid #ccc;
padding:1em;margin:1em 0;list-style:none}}form{{display:inline;margin-right:1em}}
.notice{{color:#a00}}</style></head>
<body><h1>Offers waiting for approval</h1>{notice}
<ul id="approvals">{items}</ul></body></html>
"""

_ITEM = """<li class="approval" id="approval-{id}" data-approval-id="{id}">
<h2>{product} for party {party}</h2><p>Pattern: {pattern} · since {created}</p>
<ul class="explanation">{explanation}</ul>
<form method="post" action="/approvals/{id}/approve">
<input type="hidden" name="approver" value="approver-page">
<button type="submit" name="action" value="approve">Approve</button></form>
<form method="post" action="/approvals/{id}/reject">
<input type="hidden" name="approver" value="approver-page">
<label>Reason <input name="reason" required maxlength="2000"></label>
<button type="submit" name="action" value="reject">Reject</button></form></li>"""


def render_page(pending: list[Approval], notice: str = "") -> str:
    items = "".join(
        _ITEM.format(
            id=escape(a.id),
            product=escape(a.product_code),
            party=escape(a.party_id),
            pattern=escape(a.pattern),
            created=escape(a.created_at.isoformat()),
            explanation="".join(f"<li>{escape(line)}</li>" for line in a.explanation),
        )
        for a in pending
    )
    if not pending:
        items = '<li class="empty">Nothing is waiting.</li>'
    message = f'<p class="notice" role="alert">{escape(notice)}</p>' if notice else ""
    return _PAGE.format(notice=message, items=items)


async def approvals_page(request: Request) -> Response:
    pending = await request.app.state.services.approvals.pending()
    return HTMLResponse(render_page(pending))


async def page_action(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in {"approve", "reject"}:
        return HTMLResponse(render_page([], f"unknown action {action}"), 404)
    body = await request.body()
    fields = dict(parse_qsl(body.decode("utf-8", "replace")[:16_384]))
    fields.pop("action", None)
    if action == "approve":
        fields.pop("reason", None)
    result = await decide(request, action, request.path_params["approval_id"], fields)
    if isinstance(result, Approval):
        return RedirectResponse("/approvals", status_code=303)
    pending = await request.app.state.services.approvals.pending()
    return HTMLResponse(render_page(pending, "That decision was refused."), result.status_code)


def page_routes() -> list[Route]:
    return [
        Route("/approvals", approvals_page, methods=["GET"]),
        Route("/approvals/{approval_id}/{action}", page_action, methods=["POST"]),
    ]
