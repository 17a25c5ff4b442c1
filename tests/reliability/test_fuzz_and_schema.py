"""A live listener under fuzzing: schemathesis against openapi/xsell-connect.yaml, and
hypothesis-made webhook bodies and headers. No 5xx, and nothing half-written."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import SECRET, free_port, listener, write_config
from schemathesis.checks import CHECKS

from xsell_connect.store import InboxStatus, Store

pytestmark = pytest.mark.services

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "xsell-connect.yaml"
KEY = base64.b64decode(SECRET.removeprefix("whsec_"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    directory = tmp_path_factory.mktemp("live")
    store_url = f"sqlite:///{directory / 'live.db'}"
    config = write_config(directory, store_url, journal=directory / "journal.jsonl")
    port = free_port()
    with listener(config, port, directory / "listener.log"):
        yield f"http://127.0.0.1:{port}", store_url


def test_every_operation_conforms_to_the_spec_and_never_5xx(live: tuple[str, str]) -> None:
    base_url, _ = live
    schema = schemathesis.openapi.from_path(str(SPEC))
    checks = [
        CHECKS.get_by_names([name])[0]
        for name in (
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        )
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    for operation in operations:

        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base_url, checks=checks)

        run()


def _sign(webhook_id: str, stamp: int, body: bytes) -> str:
    digest = hmac.new(KEY, f"{webhook_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# Visible ASCII with inner spaces: a value with a leading or trailing space is refused by
# httpx itself (h11: "Illegal header value") before any request leaves the client.
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80).map(
    str.strip
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(st.binary(max_size=2048), st.text(max_size=512).map(str.encode)),
    sign=st.booleans(),
    webhook_id=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40),
    extra=st.dictionaries(
        st.sampled_from(["webhook-signature", "webhook-timestamp", "content-type", "x-other"]),
        header_values,
        max_size=3,
    ),
)
def test_fuzzed_webhooks_never_5xx_and_leave_nothing_half_written(
    live: tuple[str, str], body: bytes, sign: bool, webhook_id: str, extra: dict[str, str]
) -> None:
    base_url, store_url = live
    stamp = int(time.time())
    headers = {"webhook-id": webhook_id, **extra}
    if sign:
        headers |= {
            "webhook-timestamp": str(stamp),
            "webhook-signature": _sign(webhook_id, stamp, body),
        }
    response = httpx.post(f"{base_url}/webhooks/bank", content=body, headers=headers, timeout=10)
    assert response.status_code in {200, 202, 400, 401}
    store = Store.open(store_url, migrate=False)
    try:
        item = store.inbox.get("bank", webhook_id)
    finally:
        store.close()
    if response.status_code == 401:
        return  # refused before the inbox: it may hold an earlier example's row, never this one
    if response.json()["status"] == "empty":
        return  # no event in it (a keep-alive such as b"[]"): nothing to store, nothing stored
    assert item is not None
    if response.status_code == 400:
        assert item.status is InboxStatus.REJECTED
    if response.status_code == 202:
        assert item.body == body
        assert item.status is not InboxStatus.REJECTED
