"""Sealed heads: an append made with SQL alone — what the application's database role could
do — fails ``ledger verify``; ``ledger seal`` seals heads written before seals existed."""

from __future__ import annotations

import base64

from flask import Flask
from sqlalchemy import update

from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import Ledger, LedgerHead
from tests.hours.conftest import Scene
from tests.hours.forgery import forge_append
from tests.hours.tampering import chain, verify_cli


def _head(member_id: int) -> LedgerHead:
    head = db.session.get(LedgerHead, (Ledger.HOURS, member_id), populate_existing=True)
    assert head is not None
    return head


def test_every_append_seals_the_head_with_the_ledger_key(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60, 30])
    head = _head(scene.member_id)

    expected = ledger.head_seal(
        Ledger.HOURS,
        member_id=scene.member_id,
        entries=2,
        total=90,
        last_hash=head.last_hash,
    )
    assert head.seal == expected
    other_key = ledger.head_seal(
        Ledger.HOURS,
        member_id=scene.member_id,
        entries=2,
        total=90,
        last_hash=head.last_hash,
        key=base64.b64encode(b"k" * 32).decode(),  # someone else's key
    )
    assert other_key != expected
    assert verify_cli(app).exit_code == 0


def test_an_append_forged_with_sql_is_caught_by_verify(app: Flask, scene: Scene) -> None:
    """A correct hash, the right seq and prev_hash, the head moved along: the chain check alone
    accepts it; the head's seal, made without the key, does not."""
    other, _ = scene.new_member()
    chain(scene.member_id, [60])
    chain(other, [30])
    forge_append(db.session.connection(), scene.member_id, 600)
    db.session.commit()

    result = verify_cli(app)

    assert result.exit_code == 1
    assert (
        f"BROKEN hours ledger, member {scene.member_id}: head seal does not match" in result.output
    )
    assert ledger.total(Ledger.HOURS, scene.member_id) == 660  # what the forger wanted


def test_a_forged_append_that_leaves_the_head_alone_is_caught_too(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60])
    sealed = _head(scene.member_id)
    before = (sealed.entries, sealed.total, sealed.last_hash, sealed.seal)
    forge_append(db.session.connection(), scene.member_id, 600)
    db.session.execute(  # the head put back as it was, seal and all
        update(LedgerHead)
        .where(LedgerHead.ledger == Ledger.HOURS, LedgerHead.member_id == scene.member_id)
        .values(entries=before[0], total=before[1], last_hash=before[2], seal=before[3])
    )
    db.session.commit()

    result = verify_cli(app)

    assert result.exit_code == 1
    assert f"member {scene.member_id}: head counts 1 entries, the chain has 2" in result.output


def test_seal_seals_heads_from_before_seals_once_their_chain_verifies(
    app: Flask, scene: Scene
) -> None:
    broken, _ = scene.new_member()
    chain(scene.member_id, [60, 30])
    chain(broken, [45])
    db.session.execute(update(LedgerHead).values(seal=None))  # as the migration left them
    db.session.execute(  # and one head that no longer agrees with its chain
        update(LedgerHead).where(LedgerHead.member_id == broken).values(total=999)
    )
    db.session.commit()
    unsealed = verify_cli(app)

    sealed = app.test_cli_runner().invoke(args=["ledger", "seal"])
    result = verify_cli(app)

    assert unsealed.exit_code == 1
    assert f"member {scene.member_id}: head not sealed" in unsealed.output
    assert sealed.exit_code == 1  # one head left unsealed: its chain does not verify
    assert "hours ledger: 1 head(s) sealed, 1 left as they were" in sealed.output
    assert "points ledger: 0 head(s) sealed, 0 left as they were" in sealed.output
    assert _head(scene.member_id).seal is not None
    assert _head(broken).seal is None
    assert result.exit_code == 1
    assert f"member {scene.member_id}" not in result.output
    assert f"member {broken}: head total 999 differs" in result.output


def test_the_next_append_refuses_to_seal_over_a_forgery(app: Flask, scene: Scene) -> None:
    """Otherwise the application's own next append would seal the forged head, and verify would
    pass again: the chain stops (409) until an operator has looked."""
    record_id = scene.record()
    chain(scene.member_id, [60])
    forge_append(db.session.connection(), scene.member_id, 600)
    db.session.commit()

    response = scene.post(f"/api/v1/service-records/{record_id}/confirm")
    result = verify_cli(app)

    assert response.status_code == 409, response.json
    assert response.json["code"] == "ledger.head_unsealed"
    assert _head(scene.member_id).entries == 2  # the forged one; nothing appended on top
    assert result.exit_code == 1
    assert f"member {scene.member_id}: head seal does not match" in result.output


def test_a_head_stripped_of_its_seal_is_not_appended_to_either(scene: Scene) -> None:
    record_id = scene.record()
    chain(scene.member_id, [60])
    forge_append(db.session.connection(), scene.member_id, 600)
    db.session.execute(update(LedgerHead).values(seal=None))
    db.session.commit()

    response = scene.post(f"/api/v1/service-records/{record_id}/confirm")

    assert response.status_code == 409, response.json
    assert response.json["code"] == "ledger.head_unsealed"
