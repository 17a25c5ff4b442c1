"""The mock's JSON encoder: exact decimals as JSON numbers, written by the C encoder."""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from xsell_connect_mocks.mambu.wire import _encode_slow, dumps


def test_decimals_are_trimmed_json_numbers_never_floats() -> None:
    body = {"amount": Decimal("1200.50"), "zero": Decimal("-0.00"), "big": Decimal("1E+3")}

    assert dumps(body) == b'{"amount":1200.5,"zero":0,"big":1000}'


@pytest.mark.parametrize(
    "value",
    [
        {"a": Decimal("0.10"), "b": [1, 2.5, None, True, 'é"x\n', ()], "c": {"d": "\u2028"}},
        MappingProxyType({"rate": Decimal("3.250")}),
        {1: "an int key", "nan": float("nan")},
        [Decimal("10"), "plain"],
    ],
)
def test_the_fast_encoder_writes_what_the_value_by_value_encoder_writes(value: Any) -> None:
    assert dumps(value) == _encode_slow(value)


@pytest.mark.parametrize("text", ["\ufdd0", "\ufdd0 1 \ufdd1", "\ufdd1"])
def test_a_string_holding_the_decimal_marker_is_left_as_it_is(text: str) -> None:
    value = {"note": text, "amount": Decimal("2.50")}

    assert dumps(value) == _encode_slow(value)
    assert dumps(value).decode().startswith(f'{{"note":"{text}"')


def test_a_value_json_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot encode object"):
        dumps({"x": object()})
