"""Tests of the members domain."""
