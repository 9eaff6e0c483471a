"""Consent: media channels, parents' consent decisions and their history, yearly reminders (R8)."""
