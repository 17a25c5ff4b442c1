"""CloudEvents protocol bindings: which content mode a message uses; binary mode → one event.

HTTP (CloudEvents HTTP protocol binding 1.0, §3): a ``Content-Type`` of
``application/cloudevents+json`` or ``application/cloudevents-batch+json`` is structured
mode and the body is the event (or a JSON array of them). Otherwise ``ce-<name>`` headers
(case-insensitive names, percent-encoded values) carry the attributes, ``Content-Type`` is
``datacontenttype`` and the body is ``data``: binary mode. A request with neither is read
as structured, which is what Transact sends.

AMQP (CloudEvents AMQP protocol binding 1.0.x, §3.1.3): application properties
``cloudEvents_<name>`` or ``cloudEvents:<name>`` (``_`` preferred for JMS; one message uses
one separator), the ``content-type`` property is ``datacontenttype``. Values are canonical
strings or native AMQP types; ``time`` may be an AMQP timestamp. Over RabbitMQ (AMQP 0-9-1,
pika) the application properties are the message ``headers``; the ``ce-<name>`` headers of
the RabbitMQ binding (knative eventing-rabbitmq, also the cloudevents SDK's) read the same.

Both functions return the event as the dict a structured-mode body would have decoded to,
or ``None`` for a structured message. Errors name the CloudEvents attribute, as in
structured mode, and carry the raw body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from xsell_connect.errors import MalformedEventError

__all__ = ["from_amqp", "from_http"]

_STRUCTURED = "application/cloudevents"
_AMQP_PREFIXES = ("cloudEvents_", "cloudEvents:")
_RABBITMQ_PREFIX = "ce-"


def from_http(headers: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
    """The binary-mode event of one HTTP request, or ``None`` when it is structured."""
    attributes: dict[str, Any] = {}
    content_type: str | None = None
    for name, value in headers.items():
        key = name.lower()
        if key == "content-type":
            content_type = value
        elif key.startswith("ce-") and len(key) > 3:
            attributes[key[3:]] = _percent_decoded(value, key[3:], body)
    if _is_structured(content_type) or not attributes:
        return None
    return _event(attributes, content_type, body)


def from_amqp(properties: Mapping[str, Any], body: bytes) -> dict[str, Any] | None:
    """The binary-mode event of one AMQP message, or ``None`` when it is structured.

    Args:
        properties: the message properties (``content_type`` as pika names it, or
            ``content-type``) with the application properties beside them, under
            ``headers`` (pika's ``BasicProperties.headers``) or ``application_properties``.
        body: the message body (``data`` in binary mode).
    """
    content_type = properties.get("content_type") or properties.get("content-type")
    if _is_structured(content_type if isinstance(content_type, str) else None):
        return None
    table: dict[Any, Any] = dict(properties)
    for section in ("headers", "application_properties"):
        inner = properties.get(section)
        if isinstance(inner, Mapping):
            table |= inner
    found: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        prefix = _prefix(key)
        if prefix is not None:
            name = key[len(prefix) :]
            found.setdefault(prefix, {})[name.lower() if prefix == "ce-" else name] = value
    if not found:
        return None
    if len(found) > 1:
        first, second = list(found)[:2]
        name = next(iter(found[second]))
        raise _bad(f"one message mixes the {first!r} and {second!r} attribute prefixes", body, name)
    (attributes,) = found.values()
    decoded = {name: _amqp_value(name, value, body) for name, value in attributes.items()}
    return _event(decoded, content_type if isinstance(content_type, str) else None, body)


def _prefix(key: Any) -> str | None:
    if not isinstance(key, str):
        return None
    for prefix in _AMQP_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return prefix
    if key[:3].lower() == _RABBITMQ_PREFIX and len(key) > 3:
        return _RABBITMQ_PREFIX
    return None


def _is_structured(content_type: str | None) -> bool:
    return content_type is not None and content_type.strip().lower().startswith(_STRUCTURED)


def _event(attributes: dict[str, Any], content_type: str | None, body: bytes) -> dict[str, Any]:
    """The attributes and ``data`` as one structured-mode dict."""
    event = {**attributes, "datacontenttype": content_type} if content_type else dict(attributes)
    media = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if not (media in ("application/json", "text/json") or media.endswith("+json")):
        raise _bad(f"data of type {media!r} is not JSON", body, "datacontenttype")
    if body.strip():
        try:
            event["data"] = json.loads(body)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
            raise _bad("data is not valid JSON", body, "data") from None
    return event


def _percent_decoded(value: str, name: str, body: bytes) -> str:
    if "%" not in value:
        return value
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise _bad(f"the ce-{name} header is not percent-encoded UTF-8", body, name) from None


def _amqp_value(name: str, value: Any, body: bytes) -> Any:
    """A canonical string or a native AMQP value as the structured event would hold it."""
    if isinstance(value, bytes):
        try:
            value = value.decode()
        except UnicodeDecodeError:
            raise _bad(f"{name} is not UTF-8 text", body, name) from None
    if name == "time":
        if isinstance(value, datetime):  # an AMQP timestamp; pika gives it without a zone
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, int) and not isinstance(value, bool):  # epoch milliseconds
            try:
                return datetime.fromtimestamp(value / 1000, UTC)
            except (OverflowError, OSError, ValueError):
                raise _bad("time is not a valid AMQP timestamp", body, name) from None
    return value


def _bad(message: str, raw: bytes, attribute: str) -> MalformedEventError:
    return MalformedEventError(f"temenos: {message}", raw=raw, attribute=attribute)
