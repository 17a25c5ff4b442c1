"""Fault rules: what goes wrong, how often, where, and their compact CLI syntax.

The effect of each `FaultKind` is described in `xsell_connect_mocks.framework.faults`,
which injects them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = ["FaultKind", "FaultRule"]


class FaultKind(StrEnum):
    """What goes wrong. See the module docstring for the exact effect of each."""

    LATENCY = "latency"
    TIMEOUT = "timeout"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    UNAVAILABLE = "unavailable"
    CONNECTION_RESET = "connection_reset"
    TRUNCATED_BODY = "truncated_body"
    MALFORMED_BODY = "malformed_body"
    EMPTY_BODY = "empty_body"
    VENDOR_ERROR = "vendor_error"
    LOST_RESPONSE = "lost_response"


@dataclass(frozen=True)
class FaultRule:
    """One fault to inject.

    Attributes:
        kind: What goes wrong.
        probability: Chance of firing on a matching request, 0..1.
        route: fnmatch glob on the path, e.g. "/api/clients/*".
        methods: Methods it applies to (upper case); None for all.
        times: Maximum firings; None for unlimited.
        latency: Seconds to sleep (LATENCY, TIMEOUT; TIMEOUT defaults to 30 s when 0).
        retry_after: Retry-After seconds for RATE_LIMIT / UNAVAILABLE; None for no header.
        status: Status override for the injected answer.
    """

    kind: FaultKind
    probability: float = 1.0
    route: str = "*"
    methods: frozenset[str] | None = None
    times: int | None = None
    latency: float = 0.0
    retry_after: int | None = 1
    status: int | None = None

    def __post_init__(self) -> None:
        # Frozen, so normalise through object.__setattr__ (callers may pass plain strings).
        object.__setattr__(self, "kind", FaultKind(self.kind))
        if self.methods is not None:
            object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within 0..1, got {self.probability}")
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be >= 0, got {self.times}")
        if self.latency < 0:
            raise ValueError(f"latency must be >= 0, got {self.latency}")

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule applies to a request (before the probability draw)."""
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return fnmatch.fnmatchcase(path, self.route)

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        """Parse the compact CLI form ``kind[:probability][@route][,key=value...]``.

        Keys: ``methods`` (``POST|PUT``), ``times``, ``latency``, ``retry_after``
        (``none`` for no header), ``status``.

        Example:
            >>> FaultRule.parse("timeout:0.2@/api/clients/*,methods=GET,times=3")
            ... # doctest: +NORMALIZE_WHITESPACE
            FaultRule(kind=<FaultKind.TIMEOUT: 'timeout'>, probability=0.2,
                route='/api/clients/*', methods=frozenset({'GET'}), times=3,
                latency=0.0, retry_after=1, status=None)
        """
        head, *options = text.strip().split(",")
        head, _, route = head.partition("@")
        kind, _, probability = head.partition(":")
        try:
            fields: dict[str, Any] = {
                "kind": FaultKind(kind.strip().lower()),
                "probability": float(probability) if probability else 1.0,
                "route": route.strip() or "*",
            }
            for option in options:
                key, sep, value = option.partition("=")
                key, value = key.strip().lower(), value.strip()
                if not sep or key not in _OPTION_PARSERS:
                    raise ValueError(f"unknown option {option!r}")
                fields[key] = _OPTION_PARSERS[key](value)
            return cls(**fields)
        except ValueError as exc:
            raise ValueError(f"bad fault rule {text!r}: {exc}") from exc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from its `to_dict` form (JSON-friendly)."""
        fields = dict(data)
        if fields.get("methods") is not None:
            fields["methods"] = frozenset(fields["methods"])
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: kind as its value, methods as a sorted list."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["methods"] = sorted(self.methods) if self.methods is not None else None
        return data


def _optional_int(value: str) -> int | None:
    return None if value.lower() in {"", "none", "null"} else int(value)


_OPTION_PARSERS: dict[str, Callable[[str], Any]] = {
    "methods": lambda v: frozenset(m for m in v.replace("+", "|").split("|") if m),
    "times": int,
    "latency": float,
    "retry_after": _optional_int,
    "status": int,
}
