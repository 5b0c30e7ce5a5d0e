# German (Django's de formats for the rest: decimal comma, thousands dot).
DATE_FORMAT = "j. F Y"  # 6. Dezember 2026
SHORT_DATE_FORMAT = "j. N Y"  # 6. Dez. 2026
DATETIME_FORMAT = "j. N Y, H:i:s"  # 6. Dez. 2026, 14:05:09
SHORT_DATETIME_FORMAT = "j. N Y, H:i"  # 6. Dez. 2026, 14:05
MONTH_DAY_FORMAT = "j. N"  # 6. Dez.
