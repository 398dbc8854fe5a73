"""Confirming service records. Until approval policies land, every community is manual."""

from __future__ import annotations

from sunshine.hours.models import ServiceRecord


def apply_policy(record: ServiceRecord) -> None:
    """Confirm a new record automatically when its community's policy says so.

    No community has a policy yet, so records wait for the community (manual mode).
    """
    del record
