"""The hash-chained ledgers: the hash format, verification of good and tampered chains
through ``flask ledger verify``, append-only enforcement, and ``rebuild-totals``."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from sunshine.database import AppendOnlyError
from sunshine.errors import Conflict
from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import (
    HoursEntry,
    Ledger,
    LedgerHead,
    LedgerKind,
    PointsEntry,
    ServiceRecord,
)
from tests.hours.conftest import Scene
from tests.hours.tampering import allow_tampering, append, chain, forged_hash, verify_cli

# The hash ------------------------------------------------------------------------------------


def test_hash_is_sha256_of_sorted_compact_utf8_json() -> None:
    fields = {
        "member_id": 7,
        "seq": 3,
        "record_id": 41,
        "amount": -30,
        "kind": LedgerKind.ADJUST,
        "actor_id": None,
        "reason": "少记 半小时",
        "created_at": datetime(2026, 11, 27, 8, 30, 0, 5, tzinfo=UTC),
        "prev_hash": "ab" * 32,
    }

    body = ledger.canonical(Ledger.HOURS, **fields)

    assert body.decode() == (
        '{"actor_id":null,"amount":-30,"created_at":"2026-11-27T08:30:00.000005+00:00",'
        '"kind":"adjust","ledger":"hours","member_id":7,"prev_hash":"' + "ab" * 32 + '",'
        '"reason":"少记 半小时","record_id":41,"seq":3}'
    )
    assert ledger.entry_hash(Ledger.HOURS, **fields) == hashlib.sha256(body).hexdigest()
    assert json.loads(body)["reason"] == "少记 半小时"
    # The same moment given in another offset hashes the same.
    from zoneinfo import ZoneInfo

    shanghai = fields["created_at"].astimezone(ZoneInfo("Asia/Shanghai"))  # type: ignore[attr-defined]
    assert ledger.canonical(Ledger.HOURS, **{**fields, "created_at": shanghai}) == body


def test_appends_chain_each_entry_to_the_previous_one(scene: Scene) -> None:
    ids = chain(scene.member_id, [60, 30, -15])

    entries = [db.session.get(HoursEntry, i) for i in ids]

    assert [e.seq for e in entries if e] == [1, 2, 3]
    assert entries[0] is not None and entries[0].prev_hash == ledger.GENESIS_HASH
    for previous, entry in itertools.pairwise(entries):
        assert previous is not None and entry is not None and entry.prev_hash == previous.hash
    head = db.session.get(LedgerHead, (Ledger.HOURS, scene.member_id))
    assert head is not None and entries[-1] is not None
    assert (head.total, head.entries, head.last_hash) == (75, 3, entries[-1].hash)


def test_an_append_below_zero_is_refused(scene: Scene) -> None:
    chain(scene.member_id, [30])
    with pytest.raises(Conflict) as refused:
        append(scene.member_id, -31)
    assert refused.value.code == "ledger.below_zero"


def test_hours_and_points_are_separate_chains(scene: Scene) -> None:
    append(scene.member_id, 60)
    append(scene.member_id, 10, Ledger.POINTS)
    assert ledger.total(Ledger.HOURS, scene.member_id) == 60
    assert ledger.total(Ledger.POINTS, scene.member_id) == 10
    points = db.session.scalars(select(PointsEntry)).one()
    assert (points.seq, points.prev_hash) == (1, ledger.GENESIS_HASH)


# Verifying -----------------------------------------------------------------------------------


def test_verify_passes_on_good_chains(app: Flask, scene: Scene) -> None:
    other, _ = scene.new_member()
    chain(scene.member_id, [60, 30, -15])
    chain(other, [120])
    append(other, 20, Ledger.POINTS)
    # A head with no entries (made before a refused append) is fine too.
    third, _ = scene.new_member()
    db.session.add(
        LedgerHead(
            ledger=Ledger.HOURS, member_id=third, total=0, entries=0, last_hash=ledger.GENESIS_HASH
        )
    )
    db.session.commit()

    assert ledger.verify(Ledger.HOURS) is None
    result = verify_cli(app)
    assert result.exit_code == 0, result.output
    assert "hours ledger: every chain verified" in result.output
    assert "points ledger: every chain verified" in result.output


def test_verify_on_an_empty_ledger_passes(app: Flask) -> None:
    assert verify_cli(app, "--ledger", "points").exit_code == 0


def test_verify_names_an_entry_changed_by_sql(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60, 30, -15])
    allow_tampering("hours_entry")
    db.session.execute(update(HoursEntry).where(HoursEntry.id == ids[1]).values(amount=300))
    db.session.commit()

    result = verify_cli(app, "--ledger", "hours")

    assert result.exit_code == 1
    assert (
        f"hours ledger, member {scene.member_id}, seq 2, entry id {ids[1]}: content altered"
        in result.output
    )
    problem = ledger.verify(Ledger.HOURS)
    assert problem is not None and (problem.entry_id, problem.seq) == (ids[1], 2)


def test_verify_names_an_entry_whose_hash_was_recomputed_but_not_the_next_link(
    app: Flask, scene: Scene
) -> None:
    """Rewriting an entry with a fresh hash breaks the next entry's prev_hash."""
    ids = chain(scene.member_id, [60, 30])
    first = db.session.get(HoursEntry, ids[0])
    assert first is not None
    forged = forged_hash(first, 600)
    allow_tampering("hours_entry")
    db.session.execute(
        update(HoursEntry).where(HoursEntry.id == ids[0]).values(amount=600, hash=forged)
    )
    db.session.commit()

    result = verify_cli(app)

    assert result.exit_code == 1
    assert f"seq 2, entry id {ids[1]}: prev_hash" in result.output


def test_verify_names_a_deleted_last_entry(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60, 30, 15])
    allow_tampering("hours_entry")
    db.session.execute(text("DELETE FROM hours_entry WHERE id = :id"), {"id": ids[-1]})
    db.session.commit()

    result = verify_cli(app)

    assert result.exit_code == 1
    assert f"hours ledger, member {scene.member_id}, seq 3: entry missing" in result.output
    assert "head counts 3 entries" in result.output


def test_verify_names_a_deleted_middle_entry(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60, 30, 15])
    allow_tampering("hours_entry")
    db.session.execute(text("DELETE FROM hours_entry WHERE id = :id"), {"id": ids[1]})
    db.session.commit()

    problem = ledger.verify(Ledger.HOURS)

    assert problem is not None
    assert (problem.member_id, problem.seq, problem.entry_id) == (scene.member_id, 2, ids[2])
    assert "seq 3 follows seq 1" in problem.what


def test_verify_names_a_deleted_only_entry(app: Flask, scene: Scene) -> None:
    (only,) = chain(scene.member_id, [60])
    allow_tampering("hours_entry")
    db.session.execute(text("DELETE FROM hours_entry WHERE id = :id"), {"id": only})
    db.session.commit()

    problem = ledger.verify(Ledger.HOURS)

    assert problem is not None and (problem.member_id, problem.seq) == (scene.member_id, 1)
    assert "has none" in problem.what


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"total": LedgerHead.total + 60}, "head total 135 differs from the sum"),
        ({"entries": 2}, "head counts 2 entries, the chain has 3"),
        ({"last_hash": "f" * 64}, "head last_hash " + "f" * 64),
    ],
)
def test_verify_names_a_changed_head(
    app: Flask, scene: Scene, change: dict[str, object], expected: str
) -> None:
    chain(scene.member_id, [60, 30, -15])
    db.session.execute(
        update(LedgerHead)
        .where(LedgerHead.ledger == Ledger.HOURS, LedgerHead.member_id == scene.member_id)
        .values(**change)
    )
    db.session.commit()

    result = verify_cli(app)

    assert result.exit_code == 1
    assert f"hours ledger, member {scene.member_id}: {expected}" in result.output


def test_verify_names_a_chain_without_a_head(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60])
    db.session.execute(text("DELETE FROM ledger_head"))
    db.session.commit()
    problem = ledger.verify(Ledger.HOURS)
    assert problem is not None and problem.what == "the chain has no head row"


def test_verify_reports_the_first_member_in_order(app: Flask, scene: Scene) -> None:
    other, _ = scene.new_member()
    first, second = sorted([scene.member_id, other])
    ids_first = chain(first, [10, 10])
    ids_second = chain(second, [10, 10])
    allow_tampering("hours_entry")
    for entry_id in (ids_first[1], ids_second[0]):
        db.session.execute(update(HoursEntry).where(HoursEntry.id == entry_id).values(amount=99))
    db.session.commit()

    problem = ledger.verify(Ledger.HOURS)

    assert problem is not None and (problem.member_id, problem.entry_id) == (first, ids_first[1])


def test_verify_survives_a_kind_no_code_knows(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60])
    allow_tampering("hours_entry")
    db.session.execute(update(HoursEntry).where(HoursEntry.id == ids[0]).values(kind="bonus"))
    db.session.commit()
    problem = ledger.verify(Ledger.HOURS)
    assert problem is not None and "content altered" in problem.what


# Append-only ----------------------------------------------------------------------------------


def test_the_orm_refuses_to_update_or_delete_an_entry(scene: Scene) -> None:
    (entry_id,) = chain(scene.member_id, [60])
    entry = db.session.get(HoursEntry, entry_id)
    assert entry is not None

    entry.amount = 600
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()

    entry = db.session.get(HoursEntry, entry_id)
    db.session.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert ledger.verify(Ledger.HOURS) is None


@pytest.mark.parametrize("statement", ["UPDATE {t} SET amount = 1", "DELETE FROM {t}"])
@pytest.mark.parametrize("table", ["hours_entry", "points_entry"])
def test_the_database_refuses_to_change_an_entry(scene: Scene, statement: str, table: str) -> None:
    append(scene.member_id, 60, Ledger(table.split("_")[0]))
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text(statement.format(t=table)))
    assert ledger.total(Ledger(table.split("_")[0]), scene.member_id) == 60


# Rebuilding totals ---------------------------------------------------------------------------


def _rebuild(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["ledger", "rebuild-totals", *args])


def test_rebuild_check_reports_a_tampered_credited_minutes_and_repair_fixes_it(
    app: Flask, scene: Scene
) -> None:
    record_id = scene.record(minutes=90)
    scene.post(f"/api/v1/service-records/{record_id}/confirm")
    db.session.execute(
        update(ServiceRecord).where(ServiceRecord.id == record_id).values(credited_minutes=900)
    )
    db.session.commit()

    check = _rebuild(app, "--check")

    assert check.exit_code == 1
    assert f"differs: credited_minutes of record {record_id}: stored 900, computed 90" in (
        check.output
    )
    db.session.expire_all()
    assert db.session.get(ServiceRecord, record_id).credited_minutes == 900  # type: ignore[union-attr]

    repaired = _rebuild(app)

    assert repaired.exit_code == 0, repaired.output
    assert f"repaired: credited_minutes of record {record_id}" in repaired.output
    db.session.expire_all()
    assert db.session.get(ServiceRecord, record_id).credited_minutes == 90  # type: ignore[union-attr]
    assert _rebuild(app, "--check").exit_code == 0


def test_rebuild_repairs_a_changed_head_and_never_touches_entries(app: Flask, scene: Scene) -> None:
    ids = chain(scene.member_id, [60, 30])
    db.session.execute(
        update(LedgerHead)
        .where(LedgerHead.member_id == scene.member_id)
        .values(total=5, entries=7, last_hash="0" * 64)
    )
    # A head for a member who has no entries at all.
    other, _ = scene.new_member()
    db.session.add(
        LedgerHead(ledger=Ledger.POINTS, member_id=other, total=9, entries=1, last_hash="1" * 64)
    )
    db.session.commit()
    before = [
        (e.id, e.hash) for e in db.session.scalars(select(HoursEntry).order_by(HoursEntry.id))
    ]

    check = _rebuild(app, "--check")
    assert check.exit_code == 1
    assert f"differs: hours head of member {scene.member_id}: stored" in check.output
    assert f"differs: points head of member {other}" in check.output

    assert _rebuild(app).exit_code == 0
    db.session.expire_all()
    head = db.session.get(LedgerHead, (Ledger.HOURS, scene.member_id))
    last = db.session.get(HoursEntry, ids[-1])
    assert head is not None and last is not None
    assert (head.total, head.entries, head.last_hash) == (90, 2, last.hash)
    empty = db.session.get(LedgerHead, (Ledger.POINTS, other))
    assert empty is not None and (empty.total, empty.entries) == (0, 0)
    after = [(e.id, e.hash) for e in db.session.scalars(select(HoursEntry).order_by(HoursEntry.id))]
    assert after == before
    assert ledger.verify(Ledger.HOURS) is None and ledger.verify(Ledger.POINTS) is None
    # The chain goes on where it was.
    append(scene.member_id, 15)
    assert ledger.verify(Ledger.HOURS) is None
