"""The content check: text others will read goes through WeChat's msg_sec_check (v2) first.

A domain that shows text calls ``screen`` *before* it writes anything. ``screen`` ends the
request's transaction, asks WeChat with none open, and then records its check in a new one:

- **risky** → ``Invalid`` (422 ``content.risky``) naming the fields; nothing is written;
- **pass** → a ``passed`` check; the caller shows the text at once;
- **review** → a ``review`` check holding the text; an admin of its scope decides;
- WeChat down, slow or erring → a ``pending`` check holding the text (fail closed); the job
  ``moderation.recheck`` asks again with backoff and shows it once WeChat passes it.

Held text lives on the check row, not on the object it belongs to; when it clears (WeChat
later, or an admin) the subject's ``show`` (registered by its domain, e.g.
``tasks.moderated``) makes it visible. An unchanged text already cleared is not asked twice.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from sunshine import clock, wechat
from sunshine.access.permissions import Actor, Permission, Place, authorize
from sunshine.access.refusals import Subject as Refused
from sunshine.auth.models import Account
from sunshine.errors import Conflict, DomainError, Forbidden, Invalid, Missing
from sunshine.extensions import db
from sunshine.moderation.models import CLEARED, HELD, CheckStatus, ContentCheck, Scene
from sunshine.security import service as security
from sunshine.security.service import Origin

log = logging.getLogger(__name__)

# The domains that register subjects, imported before a subject is shown (as the jobs runner
# imports its job modules): moderation never imports a domain that imports it.
SUBJECT_MODULES = ("sunshine.org.moderated", "sunshine.tasks.moderated", "sunshine.needs.moderated")
MAX_ATTEMPTS = 8  # then a person decides: ~2 h of backoff, past the author's 2-hour window
RISKY_MESSAGE = "内容含有违规信息，请修改后再提交"


@dataclass(frozen=True)
class Subject:
    """What a kind of text belongs to: ``show`` makes a cleared check's text visible."""

    name: str
    show: Callable[[ContentCheck], None]


SUBJECTS: dict[str, Subject] = {}


def register(name: str, *, show: Callable[[ContentCheck], None]) -> None:
    SUBJECTS[name] = Subject(name, show)


def _subject(name: str) -> Subject:
    for module in SUBJECT_MODULES:
        importlib.import_module(module)
    return SUBJECTS[name]


def digest_of(texts: Mapping[str, str]) -> str:
    return hashlib.sha256(
        json.dumps(dict(texts), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


# Asking WeChat (no transaction open) ---------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """WeChat's verdict on a set of texts (the worst of its parts), or ``failed``."""

    suggest: str  # pass / review / risky; "" when failed
    label: int | None = None
    trace_id: str | None = None
    author_unknown: bool = False
    failed: bool = False


_RANK = {"pass": 0, "review": 1, "risky": 2}


def _chunks(texts: Mapping[str, str]) -> list[str]:
    joined = "\n".join(text for text in texts.values() if text.strip())
    size = wechat.TEXT_CHECK_MAX
    return [joined[i : i + size] for i in range(0, len(joined), size)]


def ask(openid: str, scene: Scene, texts: Mapping[str, str]) -> Answer:
    """Ask WeChat about the texts together (one call unless they pass 2,500 characters)."""
    worst = Answer(suggest="pass")
    for chunk in _chunks(texts):
        try:
            verdict = wechat.check_text(openid=openid, scene=int(scene), content=chunk)
        except DomainError as exc:  # 503 / 502 / 429: WeChat cannot answer now
            log.warning("content check deferred: %s", exc.code)
            return Answer(suggest="", failed=True)
        if verdict.author_unknown:
            return Answer(suggest="review", author_unknown=True)
        if _RANK[verdict.suggest] > _RANK[worst.suggest]:
            worst = Answer(verdict.suggest, verdict.label, verdict.trace_id)
        elif worst.trace_id is None:
            worst = Answer(worst.suggest, verdict.label, verdict.trace_id)
    return worst


def _risky_fields(openid: str, scene: Scene, texts: Mapping[str, str]) -> list[str]:
    """Which fields are risky, asked one by one (only after the texts together were)."""
    if len(texts) == 1:
        return list(texts)
    found = [f for f, text in texts.items() if ask(openid, scene, {f: text}).suggest == "risky"]
    return found or list(texts)


# Screening text before it is written ---------------------------------------------------------


def screen(
    *,
    actor: Actor,
    subject: str,
    subject_id: int,
    action: str,
    area_path: str,
    scene: Scene,
    texts: Mapping[str, str],
) -> ContentCheck:
    """Check ``texts`` before they are shown; the caller has written nothing yet.

    Ends the request's transaction before WeChat is asked (objects the caller loaded are
    read again on next use). Raises 422 ``content.risky`` for risky text; otherwise returns
    the recorded check, ``passed`` (show it now), ``review`` or ``pending`` (held: the
    caller keeps the text off its object). A newer check of the same subject and action
    supersedes one still held.
    """
    texts = {field: text for field, text in texts.items() if text}
    digest = digest_of(texts)
    cleared = db.session.scalar(
        select(ContentCheck)
        .where(
            ContentCheck.subject == subject,
            ContentCheck.subject_id == subject_id,
            ContentCheck.digest == digest,
            ContentCheck.status.in_(CLEARED),
        )
        .limit(1)
    )
    if cleared is not None:
        supersede(subject, subject_id, action=action)
        return cleared
    openid = actor.account.openid
    db.session.rollback()  # no transaction stays open while WeChat answers
    answer = ask(openid, scene, texts)
    if answer.suggest == "risky":
        fields = _risky_fields(openid, scene, texts)
        raise Invalid(
            RISKY_MESSAGE,
            code="content.risky",
            fields={field: ["含有违规信息"] for field in fields},
            security_event={
                "action": "content.refused",
                "account_id": actor.id,
                "outcome": "failure",
                "reason": "content.risky",
                "object_type": subject,
                "object_id": subject_id,
                "detail": {"label": answer.label, "trace_id": answer.trace_id, "fields": fields},
            },
        )
    supersede(subject, subject_id, action=action)
    now = clock.now()
    check = ContentCheck(
        subject=subject,
        subject_id=subject_id,
        action=action,
        area_path=area_path,
        author_id=actor.id,
        scene=int(scene),
        texts=texts,
        digest=digest,
    )
    _settle(check, answer, now)
    db.session.add(check)
    db.session.flush()
    return check


def supersede(subject: str, subject_id: int, *, action: str | None = None) -> int:
    """Drop the held checks of a subject (of one action): newer text replaced them."""
    query = update(ContentCheck).where(
        ContentCheck.subject == subject,
        ContentCheck.subject_id == subject_id,
        ContentCheck.status.in_(HELD),
    )
    if action is not None:
        query = query.where(ContentCheck.action == action)
    result = db.session.execute(
        query.values(status=CheckStatus.SUPERSEDED, next_attempt_at=None),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _settle(check: ContentCheck, answer: Answer, now: datetime) -> None:
    """Put WeChat's answer (or its failure) on the check; risky becomes ``refused``."""
    if answer.failed:
        check.attempts = (check.attempts or 0) + 1
        if check.attempts >= MAX_ATTEMPTS:
            check.status, check.next_attempt_at = CheckStatus.REVIEW, None
        else:
            check.status, check.next_attempt_at = CheckStatus.PENDING, now + backoff(check.attempts)
        return
    check.status = {
        "pass": CheckStatus.PASSED,
        "review": CheckStatus.REVIEW,
        "risky": CheckStatus.REFUSED,
    }[answer.suggest]
    check.label, check.trace_id = answer.label, answer.trace_id
    check.checked_at, check.next_attempt_at = now, None


# Held text: the re-check job and the admins' decisions ---------------------------------------


def recheck_pending(now: datetime, *, batch: int = 50) -> dict[str, int]:
    """Ask WeChat again about held ``pending`` checks that are due, one at a time.

    Each check is claimed (its next attempt pushed back) and committed before WeChat is
    asked, so no transaction is open during the call and a second runner skips it; the
    answer is written in a new transaction, unless an admin decided the check meanwhile.
    """
    counts = {"passed": 0, "review": 0, "refused": 0, "deferred": 0}
    due = list(
        db.session.scalars(
            select(ContentCheck.id)
            .where(ContentCheck.status == CheckStatus.PENDING, ContentCheck.next_attempt_at <= now)
            .order_by(ContentCheck.id)
            .limit(batch)
        )
    )
    for check_id in due:
        claimed = db.session.execute(
            update(ContentCheck)
            .where(
                ContentCheck.id == check_id,
                ContentCheck.status == CheckStatus.PENDING,
                ContentCheck.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + timedelta(minutes=5)),
            execution_options={"synchronize_session": False},
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue
        check = db.session.get_one(ContentCheck, check_id, populate_existing=True)
        openid = db.session.get_one(Account, check.author_id).openid
        scene, texts = Scene(check.scene), dict(check.texts)
        db.session.commit()
        answer = ask(openid, scene, texts)
        check = db.session.get_one(ContentCheck, check_id, populate_existing=True)
        if check.status != CheckStatus.PENDING:
            db.session.rollback()
            continue
        _settle(check, answer, clock.now())
        if check.status == CheckStatus.PASSED:
            _subject(check.subject).show(check)
        key = "deferred" if check.status == CheckStatus.PENDING else check.status.value
        counts[key] = counts.get(key, 0) + 1
        db.session.commit()
    return counts


CHECK_MISSING = Missing(code="content_check.not_found", message="内容审核记录不存在")


def held_check(actor: Actor, check_id: int, *, author_may: bool = False) -> ContentCheck:
    """A check the actor may review (its scope) — or, with ``author_may``, read as its
    author; 404 when unknown, and the same 404 outside the reviewer's scope."""
    check = db.session.get(ContentCheck, check_id)
    if check is None:
        raise CHECK_MISSING.error()
    if not (author_may and check.author_id == actor.id):
        subject = Refused("content_check", check.id, CHECK_MISSING)
        place = Place(area_path=check.area_path, subject=subject)
        authorize(actor, Permission.CONTENT_REVIEW, place)
    return check


def decide(
    *,
    actor: Actor,
    check_id: int,
    approve: bool,
    reason: str | None,
    origin: Origin | None = None,
) -> ContentCheck:
    """An admin's decision on held text: approved text is shown, rejected text never is.

    Held means ``review`` or ``pending`` (an admin may decide what WeChat could not). Nobody
    decides on their own text (403 ``content_check.own``); a decided check stays decided
    (409 ``content_check.decided``).
    """
    check = held_check(actor, check_id)
    if check.author_id == actor.id:
        raise Forbidden("不能审核自己提交的内容", code="content_check.own")
    if check.status not in HELD:
        raise Conflict("该内容已处理", code="content_check.decided")
    check.status = CheckStatus.APPROVED if approve else CheckStatus.REJECTED
    check.decided_by_id, check.decided_at = actor.id, clock.now()
    check.decision_reason, check.next_attempt_at = reason, None
    if approve:
        _subject(check.subject).show(check)
    security.record(
        action="content.approve" if approve else "content.reject",
        account_id=actor.id,
        object_type="content_check",
        object_id=check.id,
        origin=origin,
        detail={"subject": check.subject, "subject_id": check.subject_id},
    )
    db.session.flush()
    return check


def held_texts(subject: str, subject_id: int, action: str) -> dict[str, str]:
    """The texts of the subject's latest check still held for ``action`` (empty if none):
    a new edit is checked together with them, so it does not drop an edit still waiting."""
    check = db.session.scalar(
        select(ContentCheck)
        .where(
            ContentCheck.subject == subject,
            ContentCheck.subject_id == subject_id,
            ContentCheck.action == action,
            ContentCheck.status.in_(HELD),
        )
        .order_by(ContentCheck.id.desc())
        .limit(1)
    )
    return dict(check.texts) if check is not None else {}


def latest_for(subject: str, subject_id: int) -> ContentCheck | None:
    """The subject's most recent check (what its author is told about)."""
    return db.session.scalar(
        select(ContentCheck)
        .where(ContentCheck.subject == subject, ContentCheck.subject_id == subject_id)
        .order_by(ContentCheck.id.desc())
        .limit(1)
    )
