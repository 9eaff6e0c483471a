"""Portal: what parents see and do: their children's data, consents and requests (R5)."""
