"""The signed daily digests of the chain heads: a consistent rewrite of a chain's tail and
head (as a database superuser could make) passes the chain check but not the digest; a
forged signature or another key is named; the job signs once a day; the export."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask
from sqlalchemy import select, text, update

from sunshine.extensions import db
from sunshine.hours.ledger import digests
from sunshine.hours.models import HoursEntry, Ledger, LedgerDigest, LedgerHead
from tests.builders import count
from tests.hours.conftest import Scene
from tests.hours.tampering import (
    SIGN,
    allow_tampering,
    chain,
    forged_hash,
    rewrite_tail,
    sign,
    verify_cli,
)


def test_the_job_signs_every_head_with_the_configured_key(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60, 30])
    other, _ = scene.new_member()
    chain(other, [45])

    assert sign()[SIGN] == {"signed": 1, "chains": 2}

    row = db.session.scalars(select(LedgerDigest)).one()
    head = db.session.get(LedgerHead, (Ledger.HOURS, scene.member_id))
    assert head is not None
    assert ["hours", scene.member_id, 2, head.last_hash] in row.heads
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(row.public_key))
    public.verify(base64.b64decode(row.signature), row.digest.encode())  # raises if forged
    assert verify_cli(app).exit_code == 0


def test_the_job_signs_once_a_day(scene: Scene) -> None:
    chain(scene.member_id, [60])
    morning = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

    assert sign(morning)[SIGN] == {"signed": 1, "chains": 1}
    assert sign(morning + timedelta(hours=2))[SIGN] == {"signed": 0, "chains": 0}
    assert count(LedgerDigest) == 1
    assert sign(morning + timedelta(days=1))[SIGN] == {"signed": 1, "chains": 1}
    assert count(LedgerDigest) == 2


def test_a_consistent_rewrite_of_tail_and_head_is_caught_by_the_digest(
    app: Flask, scene: Scene
) -> None:
    ids = chain(scene.member_id, [60, 30, 15])
    other, _ = scene.new_member()
    chain(other, [45])
    sign()
    rewrite_tail(scene.member_id, ids[-1], 600)

    result = verify_cli(app)

    assert result.exit_code == 1
    assert "hours ledger: every chain verified" in result.output  # the old check is fooled
    assert f"BROKEN hours ledger, member {scene.member_id}, seq 3: rewritten" in result.output
    assert f"member {other}" not in result.output


def test_a_rewrite_deeper_in_the_chain_is_named_at_the_signed_head(
    app: Flask, scene: Scene
) -> None:
    """Rewriting an earlier entry forces a new hash on every later one up to the head."""
    ids = chain(scene.member_id, [60, 30])
    sign()
    first = db.session.get(HoursEntry, ids[0])
    assert first is not None
    forged = forged_hash(first, 6)
    allow_tampering("hours_entry")
    db.session.execute(
        update(HoursEntry).where(HoursEntry.id == ids[0]).values(amount=6, hash=forged)
    )
    db.session.commit()
    rewrite_prev = text("UPDATE hours_entry SET prev_hash = :prev WHERE id = :id")
    db.session.execute(rewrite_prev, {"prev": forged, "id": ids[1]})
    db.session.commit()
    db.session.execute(
        text("UPDATE ledger_head SET total = 36 WHERE ledger = 'hours' AND member_id = :m"),
        {"m": scene.member_id},
    )
    db.session.commit()
    rewrite_tail(scene.member_id, ids[1], 30)  # rehash seq 2 over the new prev_hash, reseal

    result = verify_cli(app, "--ledger", "hours")

    assert "hours ledger: every chain verified" in result.output
    assert result.exit_code == 1
    assert f"member {scene.member_id}, seq 2: rewritten at or below" in result.output


def test_entries_appended_after_the_digest_are_fine(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60])
    sign()
    chain(scene.member_id, [30, 15])
    result = verify_cli(app)
    assert result.exit_code == 0, result.output
    assert "signature valid, 1 signed heads still in place" in result.output


def test_a_forged_signature_is_caught(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60])
    sign()
    row = db.session.scalars(select(LedgerDigest)).one()
    forged = base64.b64encode(b"\x01" * 64).decode()
    db.session.execute(update(LedgerDigest).values(signature=forged))
    db.session.commit()

    result = verify_cli(app)

    assert result.exit_code == 1
    assert f"BROKEN signed digest: the signature of {row.day} is not valid" in result.output


def test_heads_changed_in_the_stored_digest_are_caught(app: Flask, scene: Scene) -> None:
    """A superuser who rewrites a chain and the stored digest's heads still fails."""
    ids = chain(scene.member_id, [60])
    sign()
    rewrite_tail(scene.member_id, ids[0], 600)
    head = db.session.get(LedgerHead, (Ledger.HOURS, scene.member_id))
    assert head is not None
    row = db.session.scalars(select(LedgerDigest)).one()
    db.session.execute(
        update(LedgerDigest).values(heads=[["hours", scene.member_id, 1, head.last_hash]])
    )
    db.session.commit()

    result = verify_cli(app)

    assert result.exit_code == 1
    assert f"the heads of {row.day} do not match its digest" in result.output


def test_a_digest_signed_with_another_key_is_refused(
    app: Flask, scene: Scene, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chain(scene.member_id, [60])
    sign()
    old_key = tmp_path / "old.key"
    old_key.write_text(app.config["LEDGER_SIGNING_KEY"], encoding="utf-8")
    monkeypatch.setitem(app.config, "LEDGER_SIGNING_KEY", base64.b64encode(b"k" * 32).decode())
    unsealed = verify_cli(app)
    runner = app.test_cli_runner()
    resealed = runner.invoke(args=["ledger", "seal", "--previous-key-file", str(old_key)])

    result = verify_cli(app)

    assert unsealed.exit_code == 1
    assert "head seal does not match" in unsealed.output  # the heads were sealed with the old key
    assert resealed.exit_code == 0, resealed.output
    assert "hours ledger: 1 head(s) sealed, 0 left as they were" in resealed.output
    assert result.exit_code == 1
    assert "hours ledger: every chain verified" in result.output
    assert "was signed with key" in result.output


def test_without_a_digest_verify_says_so(app: Flask, scene: Scene) -> None:
    chain(scene.member_id, [60])
    result = verify_cli(app)
    assert result.exit_code == 0
    assert "no signed digest yet" in result.output


def test_the_export_is_json_lines_an_auditor_can_check_alone(
    app: Flask, scene: Scene, tmp_path: Path
) -> None:
    chain(scene.member_id, [60])
    sign(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    sign(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    path = tmp_path / "digests.jsonl"

    result = app.test_cli_runner().invoke(args=["ledger", "digests", "--export", str(path)])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["day"] for line in lines] == ["2026-12-01", "2026-12-02"]
    for line in lines:
        body = {"day": line["day"], "signed_at": line["signed_at"], "heads": line["heads"]}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        assert digests.hashlib.sha256(canonical).hexdigest() == line["digest"]
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(line["public_key"]))
        public.verify(base64.b64decode(line["signature"]), line["digest"].encode())
        assert line["algorithm"] == "Ed25519"


def test_new_key_prints_a_usable_key(app: Flask) -> None:
    from sunshine import signing

    result = app.test_cli_runner().invoke(args=["ledger", "new-key"])
    assert result.exit_code == 0
    assert len(signing.key_id(signing.load_private_key(result.output))) == 16
