"""A service team's name under the content check (``moderation``): any account reads the
teams of a community, so a new name is checked (scene 1, 资料) before the team exists, and a
held name makes the team only once it clears."""

from __future__ import annotations

from sunshine.moderation import service as moderation
from sunshine.moderation.models import ContentCheck
from sunshine.org import service as org


def show(check: ContentCheck) -> None:
    """Make the team whose name cleared (``subject_id`` is its community), unless the
    community has a team of that name by now."""
    name = str(check.texts["name"])
    if org.team_named(check.subject_id, name) is None:
        org.add_team(check.subject_id, name)


moderation.register(org.TEAM_SUBJECT, show=show)
