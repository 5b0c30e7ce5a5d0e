"""Numbers as people write them (a shared core module: imports no app)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def plain_number(value) -> str:
    """6 → "6", -19.6 → "-19.6", Decimal("0.010000") → "0.01", Decimal("1E+2") → "100": as written, without
    exponent or trailing zeros. A value that is not a finite number is returned as its ``str``."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text
