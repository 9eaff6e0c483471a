"""Models of the checklist app."""
