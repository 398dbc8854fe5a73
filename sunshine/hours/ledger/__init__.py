"""The hash-chained hours and points ledgers: appending, verifying, rebuilding totals.

Each member has one chain per ledger. An entry's ``hash`` is the SHA-256 (hex) of its
canonical serialisation (``canonical``), which includes the previous entry's hash, so
changing, inserting or deleting an entry anywhere breaks every later link. ``LedgerHead`` is
the end of each chain; ``append`` locks it (SELECT … FOR UPDATE on PostgreSQL, the write
lock on SQLite), so appends for one member are serialised and the chain never forks — the
unique (member_id, seq) index is the backstop. Every append also seals the head with a key
kept out of the database (``seal.py``), so an append made with SQL alone fails ``verify``.

Lock order: a transaction touching several members locks their heads in ascending
``member_id``, and for one member the hours head before the points head; every caller in
this package sorts its work so, which keeps concurrent bulk confirmations from deadlocking.
"""

from sunshine.hours.ledger.chain import (
    GENESIS_HASH,
    MODELS,
    Entry,
    append,
    canonical,
    entries_of_record,
    entry_hash,
    record_sum,
    total,
)
from sunshine.hours.ledger.checks import Problem, problems, verify
from sunshine.hours.ledger.rebuild import Difference, rebuild_totals, reseal
from sunshine.hours.ledger.seal import head_seal

__all__ = [
    "GENESIS_HASH",
    "MODELS",
    "Difference",
    "Entry",
    "Problem",
    "append",
    "canonical",
    "entries_of_record",
    "entry_hash",
    "head_seal",
    "problems",
    "rebuild_totals",
    "record_sum",
    "reseal",
    "total",
    "verify",
]
