"""Notifications: the outbox of subscribe messages, their quota, the sender and the inbox."""
