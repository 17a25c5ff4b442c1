"""``parse_canonical``: one event straight from the bytes, the same as ``json.loads`` gives."""

from __future__ import annotations

import json

import pytest
from listener_helpers import event_body

from bench.listener.requests import event_body as bench_body
from xsell_connect.errors import MalformedEventError
from xsell_connect.listener.ingest import parse_canonical
from xsell_connect.models import CanonicalEvent

ENVELOPE = (
    '"specversion":"1.0","source":"https://core.bank.example","type":"xsell.party.activity",'
    '"platform":"bank"'
)


def body(fields: str, time: str = '"2026-11-21T09:00:00Z"') -> bytes:
    return f'{{{ENVELOPE},"time":{time},{fields}}}'.encode()


BODIES = {
    "benchmark posting": bench_body(7),
    "listener test event": event_body("k1"),
    "escaped and raw unicode": body('"id":"\\u00e9-\u20ac","subject":"P-\u00e9"'),
    "lone surrogate escape": body('"id":"a","data":{"x":"\\ud800"}'),
    "offset and fraction": body('"id":"a"', '"2026-11-21T09:00:00.123456+02:00"'),
    "unix time": body('"id":"a"', "1763715600.5"),
    "numbers and nesting": body(
        '"id":"a","data":{"i":-0,"f":1E2,"b":12345678901234567890123,'
        '"l":[[1,2.5],{"x":null,"t":true}]}'
    ),
    "duplicate key": body('"id":"first","id":"last"'),
    "surrounding blanks": b"  \n" + body('"id":"a"') + b"\n\t ",
}


@pytest.mark.parametrize("raw", BODIES.values(), ids=BODIES.keys())
def test_one_event_is_the_event_json_loads_gives(raw: bytes) -> None:
    expected = CanonicalEvent.model_validate(json.loads(raw))
    (parsed,) = parse_canonical({}, raw)
    assert parsed == expected
    assert repr(parsed.model_dump()) == repr(expected.model_dump())  # 1 and 1.0 told apart


def test_a_list_is_each_of_its_events() -> None:
    raw = b"[" + body('"id":"a"') + b"," + body('"id":"b"') + b"]"
    assert [e.id for e in parse_canonical({}, raw)] == ["a", "b"]


@pytest.mark.parametrize(
    ("raw", "message", "attribute"),
    [
        (b"{not json", "body is not valid JSON", "body"),
        (body('"id":"a"') + b" trailing", "body is not valid JSON", "body"),
        (body('"id":"a\tb"'), "body is not valid JSON", "body"),
        (b"\xff\xfe{}", "body is not valid JSON", "body"),
        (b'"a string"', "body is not an object", "body"),
        (b"[" + body('"id":"a"') + b",7]", "[1] is not an object", "[1]"),
        (
            body('"id":""'),
            "not a canonical event: id: String should have at least 1 character",
            "id",
        ),
        (
            body('"id":"a","extra":1'),
            "not a canonical event: extra: Extra inputs are not permitted",
            "extra",
        ),
        (b'{"id":"a"}', "not a canonical event: source: Field required", "source"),
    ],
)
def test_anything_else_is_refused_naming_what_is_wrong(
    raw: bytes, message: str, attribute: str
) -> None:
    with pytest.raises(MalformedEventError) as refused:
        parse_canonical({}, raw)
    assert (str(refused.value), refused.value.attribute) == (message, attribute)
