"""Accounts, WeChat login and the app's own bearer tokens."""
