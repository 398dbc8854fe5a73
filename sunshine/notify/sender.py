"""Sending the outbox: claim rows, send them through WeChat, record what happened.

Each row is sent at most once, by whichever sender claims it: the claim is one short
transaction that locks due pending rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a second
sender takes the next rows instead of waiting; SQLite has one writer at a time), reserves one
quota per row, marks them ``sending`` with a lease and commits. Sending happens outside any
transaction; each outcome is committed as it comes. A sender killed mid-send leaves rows
``sending``: once their lease lapses they become ``failed`` (``interrupted``), never resent,
since WeChat may have delivered them (the inbox still has every message).

A transient failure (no answer, -1, 45009) pauses the whole outbox: the row and every pending
row due before the retry time wait until then (backoff 5 s doubling to 5 min), and no row
overtakes an older one still waiting, so after an outage the rows leave in the order they were
written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from sunshine import clock, wechat
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.notify.models import Message, SendStatus, SubscribeQuota

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
FIRST_BACKOFF_SECONDS = 5
MAX_BACKOFF_SECONDS = 300


@dataclass(frozen=True)
class Claimed:
    id: int
    account_id: int
    openid: str
    template_id: str
    data: dict[str, str]
    page: str | None
    attempts: int


def backoff(attempts: int) -> timedelta:
    """How long the outbox waits after a row's ``attempts``-th transient failure."""
    return timedelta(seconds=min(FIRST_BACKOFF_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS))


def _quota(account_id: int, template_id: str, delta: int) -> bool:
    """Change a quota; taking one (−1) succeeds only while some is left."""
    query = update(SubscribeQuota).where(
        SubscribeQuota.account_id == account_id, SubscribeQuota.template_id == template_id
    )
    if delta < 0:
        query = query.where(SubscribeQuota.remaining >= -delta)
    result = db.session.execute(
        query.values(remaining=SubscribeQuota.remaining + delta).execution_options(
            synchronize_session=False
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _set(ids: list[int], **values: Any) -> None:
    if ids:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def claim(now: datetime, limit: int) -> tuple[list[Claimed], int]:
    """Take up to ``limit`` due rows, oldest first, for this sender (committed): the rows to
    send, and how many rows were taken (expired and quota-less ones are settled here)."""
    rows = db.session.execute(
        select(
            Message.id,
            Message.account_id,
            Account.openid,
            Message.template_id,
            Message.data,
            Message.page,
            Message.attempts,
            Message.expires_at,
            Message.next_attempt_at,
        )
        .join(Account, Account.id == Message.account_id)
        .where(Message.status == SendStatus.PENDING)
        .order_by(Message.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Message)
    ).all()
    # First in, first out: nothing overtakes a row that waits for its retry (an outage).
    waiting = next((i for i, row in enumerate(rows) if row.next_attempt_at > now), None)
    rows = rows[:waiting] if waiting is not None else rows
    claimed, expired, no_quota = [], [], []
    for row in rows:
        if row.expires_at <= now:
            expired.append(row.id)
        elif not _quota(row.account_id, row.template_id, -1):
            no_quota.append(row.id)
        else:
            claimed.append(
                Claimed(
                    row.id,
                    row.account_id,
                    row.openid,
                    row.template_id,
                    row.data,
                    row.page,
                    row.attempts,
                )
            )
    _set(expired, status=SendStatus.FAILED, error="expired")
    _set(no_quota, status=SendStatus.SKIPPED, error="no_quota")
    _set([c.id for c in claimed], status=SendStatus.SENDING, claimed_until=now + LEASE)
    db.session.commit()
    return claimed, len(rows)


def _pause(rest: list[Claimed], errcode: int | None, now: datetime) -> datetime:
    """Put the claimed rows back and hold every pending row until the retry time."""
    first = rest[0]
    retry_at = now + backoff(first.attempts + 1)
    _set([first.id], attempts=first.attempts + 1, errcode=errcode, error="retrying")
    _set([c.id for c in rest], status=SendStatus.PENDING, claimed_until=None)
    for item in rest:
        _quota(item.account_id, item.template_id, +1)
    db.session.execute(
        update(Message)
        .where(Message.status == SendStatus.PENDING, Message.next_attempt_at < retry_at)
        .values(next_attempt_at=retry_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return retry_at


def _send_all(claimed: list[Claimed], concurrency: int) -> list[wechat.SendResult | None]:
    """Send the rows, ``concurrency`` at a time, in order; after a transient failure the rows
    not started yet are not sent (None)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stopped = threading.Event()

    def one(item: Claimed) -> wechat.SendResult | None:
        if stopped.is_set():
            return None
        with app.app_context():
            result = wechat.send_subscribe_message(
                item.openid, item.template_id, item.data, page=item.page
            )
        if result.transient:
            stopped.set()
        return result

    if concurrency <= 1:
        return [one(item) for item in claimed]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, claimed))


def deliver(claimed: list[Claimed], now: datetime, *, concurrency: int = 1) -> dict[str, int]:
    """Send the claimed rows, oldest first, and record each outcome (committed)."""
    results = _send_all(claimed, concurrency)
    counts = {"sent": 0, "failed": 0, "retrying": 0}
    pairs = list(zip(claimed, results, strict=True))
    sent = [item.id for item, result in pairs if result and result.sent]
    _set(sent, status=SendStatus.SENT, sent_at=clock.now(), errcode=None, error=None)
    counts["sent"] = len(sent)
    again: list[Claimed] = []
    errcode = None
    for item, result in pairs:
        if result is None or result.transient:
            again.append(item)
            errcode = errcode if result is None else result.errcode
        elif result.sent:
            continue
        elif result.errcode == wechat.QUOTA_REFUSED:  # refused or none left: stop trying
            _set([item.id], status=SendStatus.FAILED, errcode=result.errcode, error="quota_refused")
            db.session.execute(
                update(SubscribeQuota)
                .where(
                    SubscribeQuota.account_id == item.account_id,
                    SubscribeQuota.template_id == item.template_id,
                )
                .values(remaining=0)
            )
            counts["failed"] += 1
        else:
            _set([item.id], status=SendStatus.FAILED, errcode=result.errcode, error="refused")
            _quota(item.account_id, item.template_id, +1)  # WeChat did not use it
            counts["failed"] += 1
    if again:
        retry_at = _pause(again, errcode, now)
        counts["retrying"] = len(again)
        log.warning("outbox paused until %s: errcode %s", retry_at, errcode)
    else:
        db.session.commit()
    return counts


def sweep(now: datetime) -> int:
    """Rows whose sender died mid-send: failed (``interrupted``), not sent again."""
    result = db.session.execute(
        update(Message)
        .where(Message.status == SendStatus.SENDING, Message.claimed_until < now)
        .values(status=SendStatus.FAILED, error="interrupted", claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def drain(
    now: datetime | None = None,
    *,
    limit: int = 1000,
    batch: int = 50,
    concurrency: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Send due rows until none is left, ``limit`` were claimed, WeChat fails or ``stop()``."""
    counts = {"claimed": 0, "sent": 0, "failed": 0, "retrying": 0, "interrupted": 0}
    while counts["claimed"] < limit and not stop():
        moment = now or clock.now()
        claimed, taken = claim(moment, min(batch, limit - counts["claimed"]))
        if not taken:
            break
        counts["claimed"] += taken
        parallel = concurrency or current_app.config["NOTIFY_SEND_CONCURRENCY"]
        for key, value in deliver(claimed, moment, concurrency=parallel).items():
            counts[key] += value
        if counts["retrying"]:
            break
    counts["interrupted"] = sweep(now or clock.now())
    return counts


def run_worker(
    *, batch: int, idle: float, stop: Callable[[], bool], concurrency: int | None = None
) -> None:
    """Send continuously until ``stop()``: drain, then poll every ``idle`` seconds when
    nothing is due. A failure (the database gone) is logged and retried after ``idle``."""
    while not stop():
        try:
            counts = drain(batch=batch, limit=batch * 20, concurrency=concurrency, stop=stop)
        except Exception:
            db.session.rollback()
            log.exception("outbox sender failed; retrying")
            counts = {"claimed": 0}
        finally:
            db.session.remove()
        if counts["claimed"]:
            log.info("outbox: %s", counts)
            continue
        time.sleep(idle)


def status_counts() -> dict[str, int]:
    """How many messages are in each state (``failed:refused`` …), for an operator."""
    rows = db.session.execute(
        select(Message.status, Message.error, func.count()).group_by(Message.status, Message.error)
    ).all()
    return {f"{status}:{error}" if error else str(status): n for status, error, n in rows}
