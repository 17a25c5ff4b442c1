"""The decision log is a hash chain: appends link, and any edit, deletion or reorder shows."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from _store_support import make_decision
from sqlalchemy import delete, update

from xsell_connect.pipeline.audit import verify
from xsell_connect.store import Store
from xsell_connect.store.decisions import GENESIS, DecisionLog, canonical_json, link_hash
from xsell_connect.store.schema import audit_head, decisions


@pytest.fixture
def log(store_url: str) -> Iterator[DecisionLog]:
    store = Store.open(store_url)
    chain = DecisionLog(store.engine)
    for i in range(1, 6):
        chain.append(make_decision(i))
    yield chain
    store.close()


def _edit(log: DecisionLog, stmt: object) -> None:
    with log._engine.begin() as connection:
        connection.execute(stmt)  # type: ignore[call-overload]


def test_each_link_hashes_the_previous_hash_and_the_canonical_record(log: DecisionLog) -> None:
    rows = list(log.rows())
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].hash == link_hash(rows[0].hash, canonical_json(make_decision(2)))
    assert log.head() == (5, rows[-1].hash)
    assert verify(log).ok
    assert verify(log).checked == 5


def test_appending_a_known_decision_id_is_a_no_op(log: DecisionLog) -> None:
    assert log.append(make_decision(3)) is None
    assert log.append(make_decision(6)) == 6
    assert verify(log).ok


def test_a_record_edited_in_place_is_the_first_broken_link(log: DecisionLog) -> None:
    record = canonical_json(make_decision(3)).replace('"offered"', '"suppressed"')
    _edit(log, update(decisions).where(decisions.c.seq == 3).values(record=record))
    broken = verify(log).broken
    assert broken is not None
    assert (broken.seq, broken.decision_id) == (3, make_decision(3).decision_id)
    assert "edited" in broken.reason


def test_a_deleted_record_is_named_by_the_gap(log: DecisionLog) -> None:
    _edit(log, delete(decisions).where(decisions.c.seq == 2))
    broken = verify(log).broken
    assert broken is not None
    assert broken.seq == 3
    assert broken.reason == f"seq 2..2 missing after {make_decision(1).decision_id}: deleted"


def test_a_deleted_tail_is_caught_by_the_head(log: DecisionLog) -> None:
    _edit(log, delete(decisions).where(decisions.c.seq == 5))
    broken = verify(log).broken
    assert broken is not None
    assert (broken.seq, broken.decision_id) == (5, "(tail)")


def test_swapped_records_are_a_reorder(log: DecisionLog) -> None:
    rows = {r.seq: r for r in log.rows()}
    for seq, other in ((2, 3), (3, 2)):
        values = {
            "record": rows[other].record,
            "decision_id": f"tmp-{seq}",
            "hash": rows[other].hash,
            "prev_hash": rows[other].prev_hash,
        }
        _edit(log, update(decisions).where(decisions.c.seq == seq).values(**values))
    for seq, other in ((2, 3), (3, 2)):
        fix = {"decision_id": rows[other].decision_id}
        _edit(log, update(decisions).where(decisions.c.seq == seq).values(**fix))
    broken = verify(log).broken
    assert broken is not None
    assert broken.seq == 2
    assert "reordered" in broken.reason


def test_a_rewritten_head_does_not_hide_an_edit(log: DecisionLog) -> None:
    _edit(log, update(audit_head).values(seq=4))
    broken = verify(log).broken
    assert broken is not None
    assert "the head names seq 4 but the chain ends at seq 5" in broken.reason


def test_concurrent_writers_keep_one_gap_free_chain(store_url: str) -> None:
    store = Store.open(store_url)
    chain = DecisionLog(store.engine)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            seqs = list(pool.map(lambda i: chain.append(make_decision(i)), range(1, 41)))
        assert sorted(s for s in seqs if s is not None) == list(range(1, 41))
        report = verify(chain)
        assert report.ok
        assert report.checked == 40
    finally:
        store.close()
