"""Running a list or search: candidates → filter → sort → page → render.

Candidates are cheap references (customer indexes, account specs, postings); a record
is rendered only to be filtered or returned, so paging deep into a 100,000-customer
bank without filters renders one page and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo
from typing import Any, TypeVar

from starlette.responses import Response

from xsell_connect_mocks.mambu.paging import Page
from xsell_connect_mocks.mambu.search import Criterion, Sorting, matching, sort_records
from xsell_connect_mocks.mambu.wire import json_response

__all__ = ["run_listing"]

T = TypeVar("T")


def run_listing(
    candidates: Iterable[T],
    render: Callable[[T], dict[str, Any]],
    page: Page,
    tz: tzinfo,
    *,
    criteria: Sequence[Criterion] = (),
    sorting: Sequence[Sorting] = (),
    present: Callable[[dict[str, Any]], dict[str, Any]] = lambda record: record,
) -> Response:
    """One page of a list or search as a bare-array response.

    Args:
        candidates: References in the default order; a `Sequence` pages by index.
        render: Reference -> full record (what filters and sorts read).
        page: Paging and detail options.
        tz: Tenant zone, for datetime comparisons.
        criteria: Filters, all of which must match.
        sorting: Sort orders, most significant first.
        present: Full record -> what is returned (e.g. BASIC stripping).
    """
    if not criteria and not sorting:
        # Nothing to filter or sort: count references, render only the page.
        if isinstance(candidates, Sequence):
            end = min(page.offset + page.limit, len(candidates))
            refs: list[T] = [candidates[i] for i in range(page.offset, end)]
            total: int | None = len(candidates)
        else:
            refs, total = page.take(candidates)
        rows = [present(render(ref)) for ref in refs]
        return json_response(rows, headers=page.headers(total))
    records: Iterable[dict[str, Any]] = (render(ref) for ref in candidates)
    if criteria:
        records = matching(records, list(criteria), tz)
    if sorting:
        records = sort_records(records, list(sorting), tz)
    found, total = page.take(records)
    return json_response([present(row) for row in found], headers=page.headers(total))
