"""Models of the breaches app."""
