"""Helpers for adapters' ``mapping.py`` modules: raw vendor records to canonical models.

``RecordReader`` walks a raw record and turns every problem into a ``MappingError`` that
keeps the raw record and the exact field path, so a record that breaks the contract is
never a crash and never a silently wrong canonical record. ``CodeMap`` is the class-level
table of vendor codes with an explicit UNKNOWN default (STYLE §3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Generic, TypeVar

import pydantic

from .errors import MappingError

__all__ = ["CodeMap", "RecordReader", "build_model", "country_code"]

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=pydantic.BaseModel)
_MISSING = object()


class CodeMap(Generic[E]):
    """Vendor code → canonical enum, with an explicit default for codes nobody mapped yet."""

    def __init__(self, table: Mapping[str, E], unknown: E) -> None:
        self._table = {k.upper(): v for k, v in table.items()}
        self.unknown = unknown

    def __call__(self, raw: object) -> E:
        if raw is None:
            return self.unknown
        return self._table.get(str(raw).strip().upper(), self.unknown)

    def known(self, raw: object) -> bool:
        return raw is not None and str(raw).strip().upper() in self._table


class RecordReader:
    """Typed access to one raw record, raising ``MappingError`` with the path on any defect."""

    __slots__ = ("_root", "path", "platform", "raw")

    def __init__(
        self, raw: Any, *, platform: str, path: tuple[str | int, ...] = (), root: Any = _MISSING
    ) -> None:
        self.raw = raw
        self.platform = platform
        self.path = path
        self._root: Any = raw if root is _MISSING else root

    def _child(self, raw: Any, path: tuple[str | int, ...]) -> RecordReader:
        return RecordReader(raw, platform=self.platform, path=path, root=self._root)

    def error(self, message: str, *path: str | int) -> MappingError:
        return MappingError(message, raw=self._root, path=self.path + path, platform=self.platform)

    def _get(self, key: str, required: bool) -> Any:
        # Exact-type checks first: abc.Mapping's isinstance is slow on the hot path.
        raw = self.raw
        if type(raw) is dict:
            value = raw.get(key)
            if value is None and required:
                raise self.error("required field is missing", key)
            return value
        if not isinstance(raw, Mapping):
            raise self.error(f"expected an object, got {type(self.raw).__name__}")
        value = self.raw.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise self.error("required field is missing", key)
            return None
        return value

    def obj(self, key: str, *, required: bool = False) -> RecordReader:
        """A nested object (an empty one when absent and optional)."""
        value = self._get(key, required)
        if value is None:
            return self._child({}, (*self.path, key))
        if type(value) is not dict and not isinstance(value, Mapping):
            raise self.error(f"expected an object, got {type(value).__name__}", key)
        return self._child(value, (*self.path, key))

    def items(self, key: str) -> list[RecordReader]:
        """Readers over a list of objects (empty when absent)."""
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"expected a list, got {type(value).__name__}", key)
        return [self._child(v, (*self.path, key, i)) for i, v in enumerate(value)]

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if type(value) is str and not required:
            return value
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error(f"expected a string, got {type(value).__name__}", key)
        text = str(value)
        if required and not text.strip():
            raise self.error("required field is empty", key)
        return text

    def req_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def number(self, key: str, *, required: bool = False) -> Decimal | None:
        value = self._get(key, required)
        if value is None or value == "":
            if required:
                raise self.error("required amount is missing", key)
            return None
        if type(value) is Decimal:  # bodies parsed with json.loads(parse_float=Decimal)
            if not value.is_finite():
                raise self.error(f"not a finite number: {value!r}", key)
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.error(f"expected a number, got {type(value).__name__}", key)
        try:
            # str() first: a JSON float such as 0.1 must become Decimal("0.1"), not its binary.
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.error(f"not a number: {value!r}", key) from None
        if not result.is_finite():
            raise self.error(f"not a finite number: {value!r}", key)
        return result

    def req_number(self, key: str) -> Decimal:
        value = self.number(key, required=True)
        assert value is not None
        return value

    def flag(self, key: str) -> bool | None:
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().upper() in {"TRUE", "FALSE", "Y", "N"}:
            return value.strip().upper() in {"TRUE", "Y"}
        raise self.error(f"expected a boolean, got {value!r}", key)

    def timestamp(self, key: str, *, required: bool = False) -> dt.datetime | None:
        text = self.text(key, required=required)
        if text is None or text == "":
            return None
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.error(f"not an ISO 8601 date-time: {text!r}", key) from None
        if value.tzinfo is None:
            raise self.error(f"date-time without an offset: {text!r}", key)
        return value

    def day(self, key: str, *, required: bool = False, fmt: str | None = None) -> dt.date | None:
        text = self.text(key, required=required)
        if text is None or text.strip() == "":
            return None
        text = text.strip()
        try:
            if fmt is not None:
                return dt.datetime.strptime(text, fmt).date()
            # A date-time where a date is expected keeps the date as the core wrote it.
            if "T" in text:
                return dt.datetime.fromisoformat(text).date()
            return dt.date.fromisoformat(text)
        except ValueError:
            raise self.error(f"not a date: {text!r}", key) from None

    def code(self, key: str, table: CodeMap[E], *, required: bool = False) -> tuple[E, str | None]:
        """A coded value and its raw form; unknown codes map to the table's UNKNOWN."""
        raw = self.text(key, required=required)
        return table(raw), raw

    def strict_code(self, key: str, table: CodeMap[E]) -> E:
        """A coded value that has no UNKNOWN slot in the model: an unknown code is an error."""
        raw = self.text(key, required=True)
        if not table.known(raw):
            raise self.error(f"unknown code {raw!r}", key)
        return table(raw)


def build_model(model: type[M], values: Mapping[str, Any], reader: RecordReader) -> M:
    """Validate canonical values, turning pydantic's complaint into a MappingError with a path."""
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(str(p) for p in first["loc"])
        raise reader.error(f"canonical {model.__name__}.{'.'.join(loc)}: {first['msg']}") from exc


_COUNTRIES: dict[str, str] = {
    "FRANCE": "FR", "GERMANY": "DE", "DEUTSCHLAND": "DE", "SPAIN": "ES", "ESPAÑA": "ES",
    "ITALY": "IT", "BELGIUM": "BE", "NETHERLANDS": "NL", "LUXEMBOURG": "LU", "PORTUGAL": "PT",
    "SWITZERLAND": "CH", "AUSTRIA": "AT", "IRELAND": "IE", "UNITED KINGDOM": "GB",
    "GREAT BRITAIN": "GB", "UK": "GB", "UNITED STATES": "US", "USA": "US", "INDIA": "IN",
    "POLAND": "PL", "SWEDEN": "SE", "DENMARK": "DK", "NORWAY": "NO", "FINLAND": "FI",
    "MOROCCO": "MA", "ALGERIA": "DZ", "TUNISIA": "TN", "SENEGAL": "SN", "CANADA": "CA",
}  # fmt: skip


def country_code(raw: str | None) -> str | None:
    """ISO 3166 alpha-2 from a code or an English/local country name; None when unknown."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip().upper()
    if len(text) == 2 and text.isalpha():
        return text
    return _COUNTRIES.get(text)
