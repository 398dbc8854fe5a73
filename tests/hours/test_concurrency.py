"""Confirmations racing for one member still build one unbroken chain per ledger.

Like tests/tasks/test_concurrency.py these requests commit for real on the module's
throw-away database (``race_app``), each on its own connection.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import (
    HoursEntry,
    Ledger,
    LedgerHead,
    PointsEntry,
    RecordStatus,
    ServiceRecord,
)
from tests.builders import (
    add_reported_members,
    add_secretary,
    add_service_record,
    add_shifts,
    make_city,
    member_id_of,
    token_for,
)
from tests.races import flood, race
from tests.steps import published_shift

Headers = dict[str, str]
RECORDS = 12


def _setup(app: Flask, members: int, records: int) -> tuple[Headers, list[int], list[list[int]]]:
    """A community, its secretary, ``members`` members with ``records`` pending records each:
    (secretary headers, member ids, record ids per member)."""
    place = make_city()
    secretary = add_secretary(place)
    accounts = add_reported_members(place, place.community, members)
    member_ids = [member_id_of(a) for a in accounts]
    headers = token_for(secretary)
    task_id, _ = published_shift(app.test_client(), headers, place.community)
    shift_ids = add_shifts(task_id, records)
    # Interleaved (a1, b1, a2, b2 …), so that id order mixes the members.
    record_ids: list[list[int]] = [[] for _ in member_ids]
    for i, shift_id in enumerate(shift_ids):
        for chain, member_id in zip(record_ids, member_ids, strict=True):
            chain.append(add_service_record(member_id, shift_id, minutes=60 + i))
    db.session.close()
    return headers, member_ids, record_ids


def _chain(model: Any, member_id: int) -> list[tuple[int, str, str]]:
    rows = db.session.execute(
        select(model.seq, model.prev_hash, model.hash)
        .where(model.member_id == member_id)
        .order_by(model.seq)
    )
    return [(seq, prev, digest) for seq, prev, digest in rows]


def _assert_one_unbroken_chain(model: Any, ledger_name: Ledger, member_id: int, n: int) -> None:
    chain = _chain(model, member_id)
    assert [seq for seq, _, _ in chain] == list(range(1, n + 1))
    previous = ledger.GENESIS_HASH
    for _, prev, digest in chain:
        assert prev == previous
        previous = digest
    head = db.session.get(LedgerHead, (ledger_name, member_id))
    assert head is not None and (head.entries, head.last_hash) == (n, previous)


def test_parallel_first_confirmations_for_one_member_build_one_chain(race_app: Flask) -> None:
    headers, (member_id,), (record_ids,) = _setup(race_app, members=1, records=RECORDS)
    urls = [f"/api/v1/service-records/{i}/confirm" for i in record_ids]

    results = flood(race_app, [("POST", url, None, headers) for url in urls], threads=RECORDS)

    assert [status for status, _ in results] == [200] * RECORDS, results
    db.session.remove()
    _assert_one_unbroken_chain(HoursEntry, Ledger.HOURS, member_id, RECORDS)
    _assert_one_unbroken_chain(PointsEntry, Ledger.POINTS, member_id, RECORDS)
    expected_minutes = sum(60 + i for i in range(RECORDS))
    assert ledger.total(Ledger.HOURS, member_id) == expected_minutes
    assert ledger.total(Ledger.POINTS, member_id) == sum(
        (60 + i) * 10 // 60 for i in range(RECORDS)
    )
    assert ledger.verify(Ledger.HOURS) is None
    assert ledger.verify(Ledger.POINTS) is None
    assert ledger.rebuild_totals(repair=False) == []
    db.session.close()


def test_the_same_record_confirmed_twice_at_once_is_credited_once(race_app: Flask) -> None:
    headers, (member_id,), ((record_id,),) = _setup(race_app, members=1, records=1)
    url = f"/api/v1/service-records/{record_id}/confirm"

    results = race(race_app, [("POST", url, {}, headers)] * 2, hold="INSERT INTO hours_entry")

    assert sorted(status for status, _ in results) == [200, 409], results
    db.session.remove()
    assert _chain(HoursEntry, member_id)[0][0] == 1 and len(_chain(HoursEntry, member_id)) == 1
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None and (record.status, record.credited_minutes) == (
        RecordStatus.CONFIRMED,
        60,
    )
    db.session.close()


def test_crossed_bulk_confirmations_for_two_members_neither_deadlock_nor_fork(
    race_app: Flask,
) -> None:
    headers, members, records = _setup(race_app, members=2, records=2)
    (a1, a2), (b1, b2) = records
    # In id order the first request reaches member A first and the second member B
    # first (a1 < b2, b1 < a2): without one lock order for the ledger heads each would
    # end up waiting for the other's.
    batches = [[a1, b2], [b1, a2]]

    results = race(
        race_app,
        [("POST", "/api/v1/service-records/confirm", {"ids": ids}, headers) for ids in batches],
        hold="INSERT INTO hours_entry",
    )

    assert [status for status, _ in results] == [200, 200], results
    db.session.remove()
    for member_id in members:
        _assert_one_unbroken_chain(HoursEntry, Ledger.HOURS, member_id, 2)
    assert ledger.verify(Ledger.HOURS) is None and ledger.verify(Ledger.POINTS) is None
    db.session.close()
