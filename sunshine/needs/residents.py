"""A resident's side of the needs list: any signed-in WeChat account submits a 微心愿 or a
诉求 to its community (with an optional photo), follows it, and rates the result once."""

from __future__ import annotations

import io
import warnings

from flask import current_app
from PIL import Image

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, Place, authorize
from sunshine.access.refusals import Subject, concealed
from sunshine.errors import Conflict, Invalid
from sunshine.extensions import db
from sunshine.moderation import service as moderation
from sunshine.moderation.models import Scene
from sunshine.needs.models import Need, NeedKind, NeedPhoto, NeedRating, NeedStatus, NeedUrgency
from sunshine.needs.service import NEED_MISSING, due_after
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel

SUBMIT_SUBJECT = "need"  # a submission's text, checked per community (``needs.moderated``)
RATING_SUBJECT = "need_rating"  # a rating's comment, checked per need
# What a photo's bytes must be, and the type it is served as.
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# The most a photo upload's body may be; the photo itself: NEED_PHOTO_MAX_BYTES (2 MB).
PHOTO_BODY_LIMIT = 8 * 1024 * 1024


def photo_type(data: bytes) -> str:
    """The served content type of a photo whose bytes are a JPEG, PNG or WebP image, checked
    by decoding its header (never the file name or the declared type); 422 otherwise."""
    limit = current_app.config["NEED_PHOTO_MAX_BYTES"]
    if len(data) > limit:
        raise Invalid(
            f"照片不能超过 {limit // 1024} KB",
            code="need.photo_too_large",
            fields={"photo": [f"不能超过 {limit} 字节"]},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                image.verify()
    except Exception:
        kind = None
    if kind not in PHOTO_TYPES:
        raise Invalid(
            "照片须为 JPEG、PNG 或 WebP 图片",
            code="need.photo_invalid",
            fields={"photo": ["不是 JPEG、PNG 或 WebP 图片"]},
        )
    return PHOTO_TYPES[kind]


def _place(community_id: int, grid_id: int | None) -> tuple[Area, Area | None]:
    community = org.get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    if grid_id is None:
        return community, None
    grid = db.session.get(Area, grid_id)
    if grid is None or grid.level != AreaLevel.GRID or grid.parent_id != community.id:
        raise Invalid(
            "所选网格不属于该社区",
            code="need.grid_invalid",
            fields={"grid_id": ["不是该社区的网格"]},
        )
    return community, grid


def submit(
    *,
    actor: Actor,
    community_id: int,
    kind: NeedKind,
    content: str,
    grid_id: int | None = None,
    resident_contact: str | None = None,
    photo: bytes | None = None,
) -> Need:
    """A resident's 微心愿 or 诉求 to a community, due for an answer in its working days.

    The text goes through the content check first (risky: 422 ``content.risky``); held text
    is recorded all the same, read only by the community's admins, whose answer is the
    person's judgment. Nothing is written when anything is refused.
    """
    content_type = photo_type(photo) if photo is not None else None
    community, grid = _place(community_id, grid_id)
    area_path = grid.path if grid is not None else community.path
    moderation.screen(
        actor=actor,
        subject=SUBMIT_SUBJECT,
        subject_id=community.id,
        action="submit",
        area_path=area_path,
        scene=Scene.FORUM,
        texts={"content": content},
    )
    community, grid = _place(community_id, grid_id)  # again: the check ended the transaction
    now = clock.now()
    need = Need(
        community=community,
        grid=grid,
        area_path=area_path,
        kind=kind,
        content=content,
        urgency=NeedUrgency.NORMAL,
        resident_contact=resident_contact,
        status=NeedStatus.SUBMITTED,
        resident_id=actor.id,
        created_by_id=actor.id,
        created_at=now,
        answer_due_at=due_after(now, kind, "answer"),
    )
    if photo is not None and content_type is not None:
        need.photos.append(NeedPhoto(content_type=content_type, size=len(photo), data=photo))
    db.session.add(need)
    db.session.flush()
    return need


def own(actor: Actor, need_id: int, *, lock: bool = False) -> Need:
    """The resident's own submission; anyone else's answers as an unknown id. ``lock``: read
    afresh under a row lock (rating: two taps at once rate once)."""
    need = db.session.get(Need, need_id)
    if need is None:
        raise NEED_MISSING.error()
    if need.resident_id != actor.id:
        subject = Subject("need", need.id, NEED_MISSING)
        raise concealed(account_id=actor.id, action="need.read", subject=subject)
    if lock:
        db.session.refresh(need, with_for_update=True)
    return need


def rate(*, actor: Actor, need_id: int, rating: NeedRating, comment: str | None) -> Need:
    """The submitter rates a done need, once; the comment goes through the content check
    (a blank one is no comment)."""
    comment = comment if comment is not None and comment.strip() else None
    need = _ratable(actor, need_id)
    if comment:
        moderation.screen(
            actor=actor,
            subject=RATING_SUBJECT,
            subject_id=need.id,
            action="rate",
            area_path=need.area_path,
            scene=Scene.COMMENT,
            texts={"comment": comment},
        )
        need = _ratable(actor, need_id)  # again: the check ended the transaction
    need.rating, need.rating_comment, need.rated_at = rating, comment, clock.now()
    db.session.flush()
    return need


def _ratable(actor: Actor, need_id: int) -> Need:
    need = own(actor, need_id, lock=True)
    if need.rating is not None:
        raise Conflict("已评价过", code="need.already_rated")
    if need.status != NeedStatus.DONE:
        raise Conflict("办结后才能评价", code="need.not_done")
    return need


def photo_for(actor: Actor, need_id: int, photo_id: int) -> NeedPhoto:
    """A photo of a need, for its submitter or an admin managing its place (else 404)."""
    need = db.session.get(Need, need_id)
    if need is None:
        raise NEED_MISSING.error()
    if need.resident_id != actor.id:
        subject = Subject("need", need.id, NEED_MISSING)
        authorize(
            actor,
            Permission.NEED_READ,
            Place(area_path=need.area_path, subject=subject),
            audit={"action": "need.photo"},
        )
    photo = db.session.get(NeedPhoto, photo_id)
    if photo is None or photo.need_id != need.id:
        raise NEED_MISSING.error()
    return photo
