"""Breaches: incident reports, the FG's assessment, notifications and the 72-hour clock (R17)."""
