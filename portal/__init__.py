"""Portal: what parents see and do: their children's data ('what the school keeps and why'),
consents, and requests under R5 (inspection, correction, erasure, objection, a question for the
FG) with the 4-week clock; and the staff side that handles those requests."""
