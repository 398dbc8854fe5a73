"""Residents' text under the content check (``moderation``): a submission's content and a
rating's comment. Both are read by few (the community's admins, the resident), so held text
is recorded at once and showing it after a review changes nothing (docs/needs.md)."""

from __future__ import annotations

from sunshine.moderation import service as moderation
from sunshine.moderation.models import ContentCheck
from sunshine.needs.residents import RATING_SUBJECT, SUBMIT_SUBJECT


def show(check: ContentCheck) -> None:
    """Nothing to show: the text is already where its few readers see it."""


moderation.register(SUBMIT_SUBJECT, show=show)
moderation.register(RATING_SUBJECT, show=show)
