"""Content checks as reviewers and authors see them."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission
from sunshine.api import Shown
from sunshine.moderation.models import HELD, CheckStatus, ContentCheck
from sunshine.moderation.schemas import STATUS_MESSAGES
from sunshine.moderation.service import held_check
from sunshine.pagination import CursorPage


def brief(check: ContentCheck | None) -> Shown | None:
    """What the author is told about a check (null when the text was not checked)."""
    if check is None:
        return None
    return Shown(check, held=check.status in HELD, message=STATUS_MESSAGES[check.status])


def list_checks(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    status: CheckStatus | None = None,
    area_id: int | None = None,
) -> CursorPage:
    """Checks in the reviewer's scope, newest first; by default those held."""
    query = select(ContentCheck)
    if status is None:
        query = query.where(ContentCheck.status.in_(HELD))
    else:
        query = query.where(ContentCheck.status == status)
    return scoped_page(
        query,
        actor=actor,
        permission=Permission.CONTENT_REVIEW,
        within_area_id=area_id,
        id_column=ContentCheck.id,
        area_path=ContentCheck.area_path,
        after_id=after_id,
        limit=limit,
    )


def check_for(*, actor: Actor, check_id: int) -> ContentCheck:
    """One check, for a reviewer of its scope or its author (who follows it: a held team
    name has no page of its own)."""
    return held_check(actor, check_id, author_may=True)
