"""Tests of the consent domain."""
