"""Anomaly review (异常复核): what the detectors find in the hours, and the admins' review of it."""
