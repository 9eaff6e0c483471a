"""Dutch date and time styles; see ``privacy_portal.formats``. Input formats are Django's."""

from django.conf.locale.nl.formats import (  # noqa: F401  (kept as Django has them)
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "j F Y"  # 29 december 2026
TIME_FORMAT = "H:i"  # 14:35
DATETIME_FORMAT = "j F Y H:i"  # 29 december 2026 14:35
YEAR_MONTH_FORMAT = "F Y"  # december 2026
MONTH_DAY_FORMAT = "j F"  # 29 december
SHORT_DATE_FORMAT = "d-m-Y"  # 29-12-2026 and 01-02-2026 (Django's own drops the zeros)
SHORT_DATETIME_FORMAT = "d-m-Y H:i"  # 29-12-2026 14:35
FIRST_DAY_OF_WEEK = 1  # maandag
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
