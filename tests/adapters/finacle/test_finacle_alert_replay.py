"""``POST /_mock/finacle/alerts/replay``: at-least-once, out-of-order ESB alerts."""

from __future__ import annotations

import json

import httpx
from _finacle_support import adapter_for, harness
from xsell_connect_mocks.finacle.harness import FinacleHarness

from xsell_connect.adapter import PageRequest

REPLAY = "/_mock/finacle/alerts/replay"


async def _replay(h: FinacleHarness, **body: object) -> httpx.Response:
    async with httpx.AsyncClient(transport=h.mock.transport(), base_url=h.mock.base_url) as c:
        return await c.post(REPLAY, json=body)


async def test_replayed_alerts_repeat_and_reorder_but_map_to_the_ledger_read() -> None:
    h = harness()
    facts = h.facts()
    since, until = facts.window
    window = {"since": since.isoformat(), "until": until.isoformat()}
    plain = (await _replay(h, **window)).json()
    messy = (await _replay(h, **window, duplicates=0.5, shuffle=True, seed=3)).json()
    ids = [a["eventId"] for a in plain]
    assert len(ids) == len(set(ids)) == sum(1 for _ in h.bank.postings_between(since, until))
    assert {a["eventId"] for a in messy} == set(ids)
    assert len(messy) > len(plain)  # some delivered twice
    first_seen = list(dict.fromkeys(a["eventId"] for a in messy))
    assert first_seen != ids  # out of booking order
    async with adapter_for(h) as adapter:
        events = [
            e
            for alert in messy
            for e in adapter.parse_message(
                {"content_type": "application/json"}, json.dumps(alert).encode()
            )
        ]
        ledger = await adapter.list_ledger_entries(
            facts.account_id, since=since, until=until, page=PageRequest(size=1000)
        )
    assert len({e.id for e in events}) == len(ids)  # duplicates share their event id
    mine = {e.data["id"] for e in events if e.data.get("account_id") == facts.account_id}
    assert mine == {entry.id for entry in ledger.items}
    assert len(mine) == facts.entries_in_window


async def test_a_bad_replay_request_is_a_400_with_the_reason() -> None:
    h = harness()
    reply = await _replay(h, since="2026-10-01T00:00:00", until="2026-10-02", duplicates=2)
    assert reply.status_code == 400
    assert "duplicates must be within [0, 1]" in reply.json()["error"]
    reply = await _replay(h, since="yesterday", until="2026-10-02")
    assert reply.status_code == 400
