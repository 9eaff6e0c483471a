"""Fixtures of the students tests."""
