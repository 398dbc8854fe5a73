"""Evaluations (评价): a community grades its members once per period."""
