"""``offset`` / ``limit`` / ``paginationDetails`` / ``detailsLevel``, and page slicing.

Mambu answers lists as bare JSON arrays; ``Items-Offset``, ``Items-Limit`` and
``Items-Total`` appear only with ``paginationDetails=ON``
(https://docs.mambu.com/api/pages/api-v2/pagination/). The maximum ``limit`` is not
published: the mock takes 1000, Mambu's documented ceiling for most list endpoints
(project convention, reference §7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.responses import Response

from xsell_connect_mocks.mambu.errors import MambuError
from xsell_connect_mocks.mambu.wire import json_response

__all__ = ["Page", "full_details", "page_response"]


@dataclass(frozen=True)
class Page:
    """The paging and detail options of one list or search request."""

    DEFAULT_LIMIT: ClassVar[int] = 50
    MAX_LIMIT: ClassVar[int] = 1000

    offset: int
    limit: int
    details: bool  # True for detailsLevel=FULL
    totals: bool  # True for paginationDetails=ON

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Page:
        """Read and validate the paging query parameters.

        Raises:
            MambuError: non-numeric or out-of-bounds ``offset`` / ``limit``, unknown
                ``detailsLevel`` or ``paginationDetails``.
        """
        offset = _int(query.get("offset"), 0, "INVALID_PAGINATION_OFFSET_VALUE", "offset")
        if offset < 0:
            raise MambuError("OUT_OF_BOUNDS_PAGINATION_OFFSET_VALUE", "offset")
        limit = _int(
            query.get("limit"), cls.DEFAULT_LIMIT, "INVALID_PAGINATION_LIMIT_VALUE", "limit"
        )
        if not 1 <= limit <= cls.MAX_LIMIT:
            raise MambuError("OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE", "limit")
        details = full_details(query)
        totals = query.get("paginationDetails", "OFF").upper()
        if totals not in {"ON", "OFF"}:
            raise MambuError("INVALID_PARAMETERS", "paginationDetails")
        return cls(offset, limit, details, totals == "ON")

    def take(self, items: Iterable[Any]) -> tuple[list[Any], int | None]:
        """This page of `items`, and the total count when ``paginationDetails=ON``.

        `items` is consumed lazily: without totals, no more than ``offset + limit``
        items are drawn.
        """
        end = self.offset + self.limit
        page: list[Any] = []
        count = 0
        for item in items:
            if count >= self.offset:
                if count < end:
                    page.append(item)
                elif not self.totals:
                    break
            count += 1
            if count >= end and not self.totals:
                break
        return page, (count if self.totals else None)

    def headers(self, total: int | None) -> dict[str, str]:
        """``Items-*`` headers (only with ``paginationDetails=ON``)."""
        if not self.totals or total is None:
            return {}
        return {
            "Items-Offset": str(self.offset),
            "Items-Limit": str(self.limit),
            "Items-Total": str(total),
        }


def full_details(query: Mapping[str, str]) -> bool:
    """Whether ``detailsLevel=FULL`` was asked for (BASIC is the default).

    Raises:
        MambuError: a detailsLevel other than BASIC or FULL.
    """
    details = query.get("detailsLevel", "BASIC").upper()
    if details not in {"BASIC", "FULL"}:
        raise MambuError("INVALID_PARAMETERS", "detailsLevel")
    return details == "FULL"


def _int(raw: str | None, default: int, reason: str, source: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise MambuError(reason, source) from exc


def page_response(page: Page, items: Iterable[Any]) -> Response:
    """A bare-array response of one page, with ``Items-*`` headers when asked for."""
    rows, total = page.take(items)
    return json_response(rows, headers=page.headers(total))
