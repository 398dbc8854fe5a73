"""Confirmations racing for one member still build one unbroken chain per ledger.

Like tests/tasks/test_concurrency.py these requests commit for real (``committing``), each
on its own connection, and everything committed is deleted at the end — the ledger rows and
security events with their append-only triggers switched off inside the cleanup's
transaction (``hours_rows_of``).
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account
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
from tests.factories import (
    City,
    add_reported_members,
    add_service_record,
    add_shifts,
    committing,
    hours_rows_of,
    make_city,
    member_id_of,
    published_shift,
    race,
    rows_of,
    task_rows_of,
    token_for,
)

Headers = dict[str, str]
RECORDS = 12


def _secretary(place: City) -> int:
    """A community admin written straight to the tables (a grant via the API logs an event)."""
    account = Account(openid=f"o-hours-race-{secrets.token_hex(8)}")
    db.session.add(account)
    db.session.flush()
    db.session.add(
        Grant(
            account_id=account.id,
            role=Role.COMMUNITY_ADMIN,
            area_id=place.community.id,
            scope_key=f"area:{place.community.id}",
        )
    )
    db.session.commit()
    return account.id


def _setup(
    app: Flask, cleanups: list[Any], members: int, records: int
) -> tuple[Headers, list[int], list[list[int]]]:
    """A community, its secretary, ``members`` members with ``records`` pending records each:
    (secretary headers, member ids, record ids per member)."""
    place = make_city()
    secretary = _secretary(place)
    accounts = add_reported_members(place, place.community, members)
    member_ids = [member_id_of(a) for a in accounts]
    cleanups += hours_rows_of(member_ids, [secretary, *accounts])
    cleanups += task_rows_of(place)
    cleanups += rows_of(place, [secretary, *accounts], [])
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


def _flood(app: Flask, urls: list[str], headers: Headers) -> list[tuple[int, dict[str, Any]]]:
    """POST every url at once, one thread each: (status, json) per url."""
    start = threading.Barrier(len(urls), timeout=10)

    def send(url: str) -> tuple[int, dict[str, Any]]:
        client: FlaskClient = app.test_client()
        start.wait()
        response = client.post(url, headers=headers)
        return response.status_code, response.json

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        futures = [pool.submit(send, url) for url in urls]
        _, pending = wait(futures, timeout=45)
        assert not pending, f"{len(pending)} requests did not finish"
        return [future.result() for future in futures]


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


def test_parallel_first_confirmations_for_one_member_build_one_chain(app: Flask) -> None:
    with committing(app) as cleanups:
        headers, (member_id,), (record_ids,) = _setup(app, cleanups, members=1, records=RECORDS)

        results = _flood(app, [f"/api/v1/service-records/{i}/confirm" for i in record_ids], headers)

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


def test_the_same_record_confirmed_twice_at_once_is_credited_once(app: Flask) -> None:
    with committing(app) as cleanups:
        headers, (member_id,), ((record_id,),) = _setup(app, cleanups, members=1, records=1)
        url = f"/api/v1/service-records/{record_id}/confirm"

        results = race(app, [("POST", url, {}, headers)] * 2, hold="INSERT INTO hours_entry")

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
    app: Flask,
) -> None:
    with committing(app) as cleanups:
        headers, members, records = _setup(app, cleanups, members=2, records=2)
        (a1, a2), (b1, b2) = records
        # In id order the first request reaches member A first and the second member B
        # first (a1 < b2, b1 < a2): without one lock order for the ledger heads each would
        # end up waiting for the other's.
        batches = [[a1, b2], [b1, a2]]

        results = race(
            app,
            [("POST", "/api/v1/service-records/confirm", {"ids": ids}, headers) for ids in batches],
            hold="INSERT INTO hours_entry",
        )

        assert [status for status, _ in results] == [200, 200], results
        db.session.remove()
        for member_id in members:
            _assert_one_unbroken_chain(HoursEntry, Ledger.HOURS, member_id, 2)
        assert ledger.verify(Ledger.HOURS) is None and ledger.verify(Ledger.POINTS) is None
        db.session.close()
