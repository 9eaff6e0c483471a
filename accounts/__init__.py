"""Accounts: people, the foundation and its schools, classes, roles, and the access policy.

Who may see what is decided in ``accounts.access`` and nowhere else. Role memberships are
materialised as Django groups per (school, role) and (class, role) that hold django-guardian
object permissions; ``accounts.services`` keeps those groups in step with the memberships.
"""
