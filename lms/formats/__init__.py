"""The project's date formats per language (``FORMAT_MODULE_PATH``), over Django's own locale formats.

Templates name a format (``|date:"SHORT_DATETIME_FORMAT"``) instead of spelling one out, so each language
orders day, month and year its own way. English keeps the day-month-year the pages always showed; German
follows German usage. Machine-read dates (``<time datetime>``, CSV, JSON) stay ISO 8601 (``|date:"c"``)."""
