"""Wire-level encoding shared by every Mambu route: JSON, amounts, datetimes, keys.

* Amounts are JSON numbers with trailing zeros trimmed (``1200.50`` → ``1200.5``); they
  are written from `Decimal` text, never through `float`.
* Datetimes go out as ``yyyy-MM-dd'T'HH:mm:ss±hh:mm`` in the tenant zone; datetimes that
  come in must carry the offset the tenant zone has *at that instant* (DST included),
  https://docs.mambu.com/api/pages/api-v2/timezone-offsets/.
* ``encodedKey`` is 32 lowercase hex characters, derived from (seed, kind, id).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from starlette.responses import Response

__all__ = [
    "MEDIA_TYPE",
    "DatetimeOffsetError",
    "dumps",
    "encoded_key",
    "format_amount",
    "format_date",
    "format_datetime",
    "json_response",
    "offset_text",
    "parse_datetime",
]

MEDIA_TYPE = "application/vnd.mambu.v2+json"

_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?P<offset>Z|[+-]\d{2}:?\d{2})?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_amount(value: Decimal) -> str:
    """Decimal text with trailing zeros trimmed and no exponent: 50.010 → "50.01"."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, bool) or value is None:
        out.append("true" if value is True else "false" if value is False else "null")
    elif isinstance(value, Decimal):
        out.append(format_amount(value))
    elif isinstance(value, int | float):
        out.append(json.dumps(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


# Decimals go through the C encoder as marked strings, unquoted afterwards. U+FDD0 and
# U+FDD1 are noncharacters, which no rendered record holds; a body that holds one anyway
# is encoded the slow way (see `dumps`).
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
_MARKED = re.compile(f'"{_OPEN}([^"{_CLOSE}]*){_CLOSE}"')


def _encode_slow(value: Any) -> bytes:
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode()


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON in which `Decimal` values are trimmed JSON numbers.

    The stdlib's C encoder writes the body: a page of 200 transactions is the mock's
    hottest path, and encoding it value by value in Python took most of a request.
    """
    decimals = 0

    def marked(item: Any) -> Any:
        nonlocal decimals
        if isinstance(item, Decimal):
            decimals += 1
            return f"{_OPEN}{format_amount(item)}{_CLOSE}"
        if isinstance(item, Mapping):
            return dict(item)
        raise TypeError(f"cannot encode {type(item).__name__} as JSON")

    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=marked)
    except (TypeError, ValueError):
        return _encode_slow(value)  # e.g. a key that is no str: the slow path decides
    if not decimals and _OPEN not in text:
        return text.encode()
    if text.count(_OPEN) != decimals or text.count(_CLOSE) != decimals:
        return _encode_slow(value)  # a string held a marker character itself
    return _MARKED.sub(r"\1", text).encode()


def json_response(
    value: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response in Mambu's v2 media type."""
    return Response(dumps(value), status_code=status, headers=headers, media_type=MEDIA_TYPE)


def offset_text(offset: timedelta | None) -> str:
    """``+01:00`` style text of a UTC offset."""
    seconds = int((offset or timedelta(0)).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def format_datetime(value: datetime, tz: tzinfo) -> str:
    """A datetime in the tenant zone, to the second, with its offset."""
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def format_date(value: date) -> str:
    """``YYYY-MM-DD``."""
    return value.isoformat()


class DatetimeOffsetError(ValueError):
    """A datetime without an offset, or with one the tenant zone does not have then."""


def parse_datetime(value: str, tz: tzinfo) -> datetime:
    """Parse a datetime sent by a client and check its offset against the tenant zone.

    A bare ``YYYY-MM-DD`` is midnight in the tenant zone.

    Raises:
        DatetimeOffsetError: the offset is missing or not the zone's offset at that instant;
            the message is Mambu's ``errorSource`` text.
        ValueError: the text is no datetime at all.
    """
    text = value.strip()
    if _DATE.match(text):
        return datetime.combine(date.fromisoformat(text), time(), tz)
    match = _DATETIME.match(text)
    if match is None:
        raise ValueError(f"Invalid date format for value {value}")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if match.group("offset") is None or parsed.tzinfo is None:
        expected = offset_text(parsed.replace(tzinfo=tz).utcoffset())
        raise DatetimeOffsetError(f"Invalid date offset for value {value} org offset is {expected}")
    expected_offset = parsed.astimezone(tz).utcoffset()
    if parsed.utcoffset() != expected_offset:
        raise DatetimeOffsetError(
            f"Invalid date offset for value {value} org offset is {offset_text(expected_offset)}"
        )
    return parsed


def encoded_key(seed: int, kind: str, ident: str) -> str:
    """Mambu-style ``encodedKey``: 32 lowercase hex characters, stable for (seed, kind, id)."""
    digest = hashlib.blake2b(
        f"{seed}\x1f{kind}\x1f{ident}".encode(), digest_size=16, person=b"mambu-mock-key"
    )
    return digest.hexdigest()
