"""Retention: the 5/2/3-year rules, legal holds, purge jobs and destruction records (R13)."""
