"""Tests of the reportin domain."""
