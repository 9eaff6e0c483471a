"""The portal's date and time styles per language (``FORMAT_MODULE_PATH``).

One style per use, the same in both languages so a date reads alike for everyone:
- running text: the long date, "29 december 2026" / "29 December 2026" (``DATE_FORMAT``);
- tables and lists: the short numeric date, "29-12-2026" (``SHORT_DATE_FORMAT``), always two
  digits so columns line up;
- times: 24 hours, "14:35" (``TIME_FORMAT``).
Templates use the names (``|date:"SHORT_DATE_FORMAT"``), never a pattern of their own.
"""
