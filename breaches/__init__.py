"""Breaches: data-breach reports by staff, the FG's assessment and decisions, the 72-hour clock
for notifying the AP, notifications to the AP and the people involved, and the register (R17)."""
