"""Checklist: the annual privacy checklist with rounds, answers, evidence and actions (R19)."""
