"""RFC 9457 problem details: every error the listener answers has this shape."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = ["PROBLEM_TYPE_BASE", "problem"]

PROBLEM_TYPE_BASE = "urn:xsell-connect:problem:"


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An ``application/problem+json`` response; ``extra`` members are added when not None."""
    body = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return JSONResponse(body, status, media_type="application/problem+json")
