"""Anchoring the ledgers outside the database: daily signed digests over every chain's head.

A chain check (``checks.py``) cannot catch someone who rewrites a chain's tail *and* its
head consistently. Once a day ``sign_today`` records every head — (ledger, member, entries,
last hash) — and signs the SHA-256 of that list with an Ed25519 key that is not in the
database (``LEDGER_SIGNING_KEY``, ``sunshine/signing.py``). ``digest_problems`` then checks
the latest digest: its signature with the configured key, and every head it covered against
today's chain: the entry at the signed position must still exist with the signed hash. A
rewrite below a signed head changes that hash (each hash covers the one before), so it is
named — member, ledger, position — even though the chain and its head agree again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError

from sunshine import clock, signing
from sunshine.extensions import db
from sunshine.hours.ledger.chain import MODELS
from sunshine.hours.ledger.checks import STREAM_BATCH, Problem, problems
from sunshine.hours.models import Ledger, LedgerDigest, LedgerHead
from sunshine.members.models import Member

# Heads compared with today's chains per statement.
COMPARE_BATCH = 1000


def signing_key() -> Ed25519PrivateKey:
    """The configured key (config fills the development key outside production)."""
    return signing.load_private_key(current_app.config["LEDGER_SIGNING_KEY"])


def canonical(day: date, signed_at: datetime, heads: list[list[Any]]) -> bytes:
    """The bytes the digest is the SHA-256 of: sorted compact JSON of day, moment, heads."""
    body = {
        "day": day.isoformat(),
        "signed_at": signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "heads": heads,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _heads() -> list[list[Any]]:
    rows = db.session.execute(
        select(LedgerHead.ledger, LedgerHead.member_id, LedgerHead.entries, LedgerHead.last_hash)
        .where(LedgerHead.entries > 0)
        .order_by(LedgerHead.ledger, LedgerHead.member_id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    return [[str(r.ledger), r.member_id, r.entries, r.last_hash] for r in rows]


def sign_today(now: datetime) -> LedgerDigest | None:
    """Sign today's (Asia/Shanghai) digest of every head; None if today's exists already."""
    day = clock.local_date(now)
    if db.session.scalar(select(LedgerDigest.id).where(LedgerDigest.day == day)) is not None:
        return None
    key = signing_key()
    heads = _heads()
    signed_at = now.astimezone(UTC)
    digest = hashlib.sha256(canonical(day, signed_at, heads)).hexdigest()
    row = LedgerDigest(
        day=day,
        signed_at=signed_at,
        chains=len(heads),
        digest=digest,
        signature=signing.sign(key, digest.encode()),
        key_id=signing.key_id(key),
        public_key=signing.public_b64(key),
        heads=heads,
    )
    try:
        with db.session.begin_nested():  # two runners on one day: the unique day decides
            db.session.add(row)
    except IntegrityError:
        return None
    return row


def latest() -> LedgerDigest | None:
    return db.session.scalar(select(LedgerDigest).order_by(LedgerDigest.day.desc()).limit(1))


def export_line(row: LedgerDigest) -> dict[str, Any]:
    """One signed digest as an auditor keeps it (a JSON line of ``flask ledger digests``)."""
    return {
        "day": row.day.isoformat(),
        "signed_at": row.signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "chains": row.chains,
        "digest": row.digest,
        "signature": row.signature,
        "algorithm": "Ed25519",
        "key_id": row.key_id,
        "public_key": row.public_key,
        "heads": row.heads,
    }


def _signature_problem(row: LedgerDigest) -> Problem | None:
    key = signing_key()
    if row.key_id != signing.key_id(key):
        return Problem(
            None,
            None,
            None,
            None,
            f"the digest of {row.day} was signed with key {row.key_id}, the configured key "
            f"is {signing.key_id(key)}",
        )
    recomputed = hashlib.sha256(canonical(row.day, row.signed_at, row.heads)).hexdigest()
    if recomputed != row.digest:
        return Problem(None, None, None, None, f"the heads of {row.day} do not match its digest")
    if not signing.signature_valid(key.public_key(), row.digest.encode(), row.signature):
        return Problem(None, None, None, None, f"the signature of {row.day} is not valid")
    return None


def _head_problems(row: LedgerDigest, members: set[int] | None) -> Generator[Problem]:
    """Each head signed then whose entry is no longer at the same position with that hash."""
    signed = [h for h in row.heads if members is None or h[1] in members]
    for ledger in Ledger:
        model = MODELS[ledger]
        mine = [(int(h[1]), int(h[2]), str(h[3])) for h in signed if h[0] == str(ledger)]
        for start in range(0, len(mine), COMPARE_BATCH):
            batch = mine[start : start + COMPARE_BATCH]
            now = dict(
                ((r.member_id, r.seq), r.hash)
                for r in db.session.execute(
                    select(model.member_id, model.seq, model.hash).where(
                        tuple_(model.member_id, model.seq).in_([(m, s) for m, s, _ in batch])
                    )
                )
            )
            for member_id, seq, signed_hash in batch:
                found = now.get((member_id, seq))
                if found == signed_hash:
                    continue
                if found is None:
                    what = f"the entry signed on {row.day} is gone"
                else:
                    what = (
                        f"rewritten at or below the head signed on {row.day}: signed hash "
                        f"{signed_hash}, now {found}"
                    )
                yield Problem(ledger, member_id, seq, None, what)


def digest_problems(
    row: LedgerDigest,
    *,
    members: set[int] | None = None,
    ledger: Ledger | None = None,
    limit: int = 100,
) -> list[Problem]:
    """The digest's signature, then each head it signed (of ``members``, of ``ledger``)
    against today's chains: up to ``limit`` problems."""
    if (problem := _signature_problem(row)) is not None:
        return [problem]
    found: list[Problem] = []
    source = _head_problems(row, members)
    try:
        for problem in source:
            if ledger is None or problem.ledger == ledger:
                found.append(problem)
            if len(found) >= limit:
                break
    finally:
        source.close()
    return found


def _members_in(area_path: str | None) -> Any:
    if area_path is None:
        return None
    return select(Member.id).where(Member.area_path.startswith(area_path, autoescape=True))


def all_problems(
    area_path: str | None = None, *, limit: int = 100
) -> tuple[LedgerDigest | None, list[Problem]]:
    """The chains (of members under ``area_path``, or all) checked against themselves and
    against the latest signed digest: (that digest, up to ``limit`` problems)."""
    members = _members_in(area_path)
    found: list[Problem] = []
    for ledger in Ledger:
        source = problems(ledger, members)
        try:
            for problem in source:
                found.append(problem)
                if len(found) >= limit:
                    return latest(), found
        finally:
            source.close()  # ends a server-side cursor left open
    row = latest()
    if row is None:
        return None, found
    ids = None if members is None else set(db.session.scalars(members))
    return row, found + digest_problems(row, members=ids, limit=limit - len(found))
