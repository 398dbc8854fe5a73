"""Operational endpoints (health)."""
