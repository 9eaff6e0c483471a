"""Students: pupils, their enrolment per school year, their parents and guardians.

The data-category registry (what is kept about a pupil, why, on which basis, for how long) and
the pupil files, dossiers and imports grow here; access is decided by ``accounts.access``.
"""
