"""English date and time styles; see ``privacy_portal.formats``.

The same day-month-year order as in Dutch (the readers live in the Netherlands), and Dutch input
formats: Django's English ones read "01/02/2026" as 2 January, which nobody here means.
"""

from django.conf.locale.nl.formats import (  # noqa: F401  (day first, as in Dutch)
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "j F Y"  # 29 December 2026
TIME_FORMAT = "H:i"  # 14:35
DATETIME_FORMAT = "j F Y H:i"  # 29 December 2026 14:35
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 29 December
SHORT_DATE_FORMAT = "d-m-Y"  # 29-12-2026
SHORT_DATETIME_FORMAT = "d-m-Y H:i"  # 29-12-2026 14:35
FIRST_DAY_OF_WEEK = 1  # Monday
