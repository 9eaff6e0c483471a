"""Agreements: suppliers, products and their privacybijsluiter, processor agreements, signing (R6)."""
