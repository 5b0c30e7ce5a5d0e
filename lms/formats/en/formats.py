# English: day month year, 24-hour clock (what the pages showed before they were translated).
DATE_FORMAT = "j F Y"  # 6 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 6 Dec 2026
DATETIME_FORMAT = "j M Y, H:i:s"  # 6 Dec 2026, 14:05:09
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 6 Dec 2026, 14:05
MONTH_DAY_FORMAT = "j M"  # 6 Dec
