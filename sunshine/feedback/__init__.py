"""Feedback to work units (双报到反馈): what the organisation department tells a unit."""
