"""``:search`` bodies and ``sortBy``: parsing and evaluation over rendered records.

A search body is ``{"filterCriteria":[{field, operator, value, secondValue, values}],
"sortingCriteria":{field, order}}``; a field is a record field, an alias (``clientState``
for ``state``), or a custom field as ``_setId.fieldId``. Filters are evaluated on the
rendered Mambu JSON, with each field's type deciding how values compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from xsell_connect_mocks.mambu.errors import MambuError
from xsell_connect_mocks.mambu.wire import DatetimeOffsetError, parse_datetime

__all__ = ["Criterion", "FieldType", "Schema", "Sorting", "parse_search", "parse_sort_by"]

#: Field type -> how values compare: "string", "number", "datetime", "date", "bool".
FieldType = str


@dataclass(frozen=True)
class Schema:
    """What one collection can filter and sort on.

    Attributes:
        fields: Search field name -> (dotted path in the rendered record, type).
        sortable: Fields accepted in ``sortingCriteria`` / ``sortBy``.
    """

    fields: Mapping[str, tuple[str, FieldType]]
    sortable: frozenset[str]

    def resolve(self, field: str) -> tuple[str, FieldType]:
        """Path and type of `field`; custom fields (``_set.field``) are strings."""
        if field in self.fields:
            return self.fields[field]
        if field.startswith("_") and "." in field:
            return field, "string"
        raise MambuError("INVALID_PARAMETERS", f"Invalid search field {field}")


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted path of a rendered record, None when absent."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Criterion:
    """One parsed filter criterion, ready to test records."""

    field: str
    path: str
    ftype: FieldType
    operator: str
    value: Any
    second: Any
    values: tuple[Any, ...]
    today: date

    def matches(self, record: Mapping[str, Any], tz: tzinfo) -> bool:
        """Whether `record` satisfies this criterion."""
        raw = lookup(record, self.path)
        return _OPERATORS[self.operator](self, _coerce_record(raw, self.ftype, tz))


@dataclass(frozen=True)
class Sorting:
    """A sort order on one field."""

    field: str
    path: str
    ftype: FieldType
    descending: bool

    def key(self, tz: tzinfo) -> Callable[[Mapping[str, Any]], tuple[bool, Any]]:
        """Sort key; records missing the field sort last in ascending order."""

        def key(record: Mapping[str, Any]) -> tuple[bool, Any]:
            value = _coerce_record(lookup(record, self.path), self.ftype, tz)
            if isinstance(value, str):
                value = value.casefold()
            return (value is None, value if value is not None else 0)

        return key

    def apply(self, records: Iterable[dict[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
        """Records sorted by this order (stable)."""
        return sorted(records, key=self.key(tz), reverse=self.descending)


def _coerce_record(raw: Any, ftype: FieldType, tz: tzinfo) -> Any:
    if raw is None or raw == "":
        return None
    if ftype == "number":
        return Decimal(str(raw))
    if ftype == "datetime":
        return datetime.fromisoformat(str(raw)).astimezone(tz)
    if ftype == "date":
        return date.fromisoformat(str(raw)[:10])
    if ftype == "bool":
        return str(raw).upper() == "TRUE"
    return str(raw)


def _coerce_input(raw: Any, ftype: FieldType, tz: tzinfo, field: str) -> Any:
    if raw is None:
        return None
    try:
        if ftype == "number":
            return Decimal(str(raw))
        if ftype == "datetime":
            return parse_datetime(str(raw), tz)
        if ftype == "date":
            return date.fromisoformat(str(raw)[:10])
        if ftype == "bool":
            return str(raw).upper() == "TRUE"
    except DatetimeOffsetError as exc:
        raise MambuError("INVALID_PARAMETERS", str(exc)) from exc
    except (ValueError, InvalidOperation) as exc:
        raise MambuError("INVALID_PARAMETERS", f"Invalid value {raw} for field {field}") from exc
    return str(raw)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _day(value: Any, tz: tzinfo) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(tz).date()
    return value if isinstance(value, date) else None


class _Ops:
    """Operator implementations: (criterion, coerced record value) -> bool."""

    @staticmethod
    def equals(c: Criterion, v: Any) -> bool:
        return v is not None and _fold(v) == _fold(c.value)

    @staticmethod
    def equals_cs(c: Criterion, v: Any) -> bool:
        return v is not None and v == c.value

    @staticmethod
    def different(c: Criterion, v: Any) -> bool:
        return v is None or _fold(v) != _fold(c.value)

    @staticmethod
    def more(c: Criterion, v: Any) -> bool:
        return v is not None and c.value is not None and v > c.value

    @staticmethod
    def less(c: Criterion, v: Any) -> bool:
        return v is not None and c.value is not None and v < c.value

    @staticmethod
    def between(c: Criterion, v: Any) -> bool:
        return (
            v is not None
            and c.value is not None
            and c.second is not None
            and (c.value <= v <= c.second)
        )

    @staticmethod
    def on(c: Criterion, v: Any) -> bool:
        return _as_date(v) is not None and _as_date(v) == _as_date(c.value)

    @staticmethod
    def starts(c: Criterion, v: Any) -> bool:
        return isinstance(v, str) and v.casefold().startswith(str(c.value).casefold())

    @staticmethod
    def starts_cs(c: Criterion, v: Any) -> bool:
        return isinstance(v, str) and v.startswith(str(c.value))

    @staticmethod
    def in_(c: Criterion, v: Any) -> bool:
        return v is not None and _fold(v) in {_fold(x) for x in c.values}

    @staticmethod
    def empty(c: Criterion, v: Any) -> bool:
        return v is None

    @staticmethod
    def not_empty(c: Criterion, v: Any) -> bool:
        return v is not None

    @staticmethod
    def today(c: Criterion, v: Any) -> bool:
        return _as_date(v) == c.today

    @staticmethod
    def this_week(c: Criterion, v: Any) -> bool:
        d = _as_date(v)
        start = c.today - timedelta(days=c.today.weekday())
        return d is not None and start <= d <= c.today

    @staticmethod
    def this_month(c: Criterion, v: Any) -> bool:
        d = _as_date(v)
        return d is not None and (d.year, d.month) == (c.today.year, c.today.month)

    @staticmethod
    def this_year(c: Criterion, v: Any) -> bool:
        d = _as_date(v)
        return d is not None and d.year == c.today.year

    @staticmethod
    def last_days(c: Criterion, v: Any) -> bool:
        d = _as_date(v)
        return d is not None and c.today - timedelta(days=int(c.value)) <= d <= c.today


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()  # already in the tenant zone (see _coerce_record)
    return value if isinstance(value, date) else None


_OPERATORS: dict[str, Callable[[Criterion, Any], bool]] = {
    "EQUALS": _Ops.equals,
    "EQUALS_CASE_SENSITIVE": _Ops.equals_cs,
    "DIFFERENT_THAN": _Ops.different,
    "MORE_THAN": _Ops.more,
    "LESS_THAN": _Ops.less,
    "BETWEEN": _Ops.between,
    "ON": _Ops.on,
    "AFTER": _Ops.more,
    "BEFORE": _Ops.less,
    "STARTS_WITH": _Ops.starts,
    "STARTS_WITH_CASE_SENSITIVE": _Ops.starts_cs,
    "IN": _Ops.in_,
    "TODAY": _Ops.today,
    "THIS_WEEK": _Ops.this_week,
    "THIS_MONTH": _Ops.this_month,
    "THIS_YEAR": _Ops.this_year,
    "LAST_DAYS": _Ops.last_days,
    "EMPTY": _Ops.empty,
    "NOT_EMPTY": _Ops.not_empty,
}
#: Operators whose value is not read as a value of the field's type.
_RAW_VALUE = frozenset(
    {"LAST_DAYS", "EMPTY", "NOT_EMPTY", "TODAY", "THIS_WEEK", "THIS_MONTH", "THIS_YEAR"}
)


def _criterion(item: Any, schema: Schema, tz: tzinfo, today: date) -> Criterion:
    if not isinstance(item, Mapping):
        raise MambuError("INVALID_PARAMETERS", "filterCriteria")
    field, operator = item.get("field"), item.get("operator")
    if not isinstance(field, str) or not isinstance(operator, str):
        raise MambuError("INVALID_PARAMETERS", "filterCriteria: field and operator are required")
    if operator not in _OPERATORS:
        raise MambuError("INVALID_PARAMETERS", f"Invalid operator {operator}")
    path, ftype = schema.resolve(field)
    raw_values = item.get("values") or ()
    if operator == "IN" and not raw_values:
        raise MambuError("INVALID_PARAMETERS", f"values are required for IN on {field}")
    if operator == "BETWEEN" and item.get("secondValue") is None:
        raise MambuError("INVALID_PARAMETERS", f"secondValue is required for BETWEEN on {field}")
    if operator == "LAST_DAYS":
        try:
            value: Any = int(item.get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise MambuError(
                "INVALID_PARAMETERS", f"Invalid value for LAST_DAYS on {field}"
            ) from exc
    elif operator in _RAW_VALUE:
        value = None
    else:
        value = _coerce_input(item.get("value"), ftype, tz, field)
        if value is None and operator != "IN":
            raise MambuError("INVALID_PARAMETERS", f"value is required for {operator} on {field}")
    return Criterion(
        field=field,
        path=path,
        ftype=ftype,
        operator=operator,
        value=value,
        second=_coerce_input(item.get("secondValue"), ftype, tz, field),
        values=tuple(_coerce_input(v, ftype, tz, field) for v in raw_values),
        today=today,
    )


def _sorting(field: Any, order: Any, schema: Schema) -> Sorting:
    if not isinstance(field, str) or field not in schema.sortable:
        raise MambuError("INVALID_PARAMETERS", f"Invalid sorting field {field}")
    order_text = str(order or "ASC").upper()
    if order_text not in {"ASC", "DESC"}:
        raise MambuError("INVALID_PARAMETERS", f"Invalid sorting order {order}")
    path, ftype = schema.resolve(field)
    return Sorting(field, path, ftype, order_text == "DESC")


def parse_search(
    body: Any, schema: Schema, tz: tzinfo, today: date
) -> tuple[list[Criterion], Sorting | None]:
    """Parse a ``:search`` body.

    Raises:
        MambuError: unknown field or operator, missing values, bad datetime offsets.
    """
    if not isinstance(body, Mapping):
        raise MambuError("INVALID_PARAMETERS", "search body must be a JSON object")
    raw = body.get("filterCriteria") or []
    if not isinstance(raw, list):
        raise MambuError("INVALID_PARAMETERS", "filterCriteria must be a list")
    criteria = [_criterion(item, schema, tz, today) for item in raw]
    sort = body.get("sortingCriteria")
    if sort is None:
        return criteria, None
    if not isinstance(sort, Mapping):
        raise MambuError("INVALID_PARAMETERS", "sortingCriteria")
    return criteria, _sorting(sort.get("field"), sort.get("order"), schema)


def parse_sort_by(text: str | None, schema: Schema) -> list[Sorting]:
    """Parse ``sortBy=field:ASC,field2:DESC`` (the order defaults to ASC)."""
    if not text:
        return []
    orders = []
    for part in text.split(","):
        field, _, order = part.strip().partition(":")
        orders.append(_sorting(field, order or "ASC", schema))
    return orders


def sort_records(
    records: Iterable[dict[str, Any]], orders: list[Sorting], tz: tzinfo
) -> list[dict[str, Any]]:
    """Records sorted by several orders, the first the most significant."""
    result = list(records)
    for order in reversed(orders):
        result = order.apply(result, tz)
    return result


def matching(
    records: Iterable[dict[str, Any]], criteria: list[Criterion], tz: tzinfo
) -> Iterator[dict[str, Any]]:
    """Records matching every criterion, lazily, in input order."""
    for record in records:
        if all(c.matches(record, tz) for c in criteria):
            yield record
