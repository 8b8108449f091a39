"""Money as whole minor units (cents, fen, pence) and shares as exact fractions.

An offer's boundaries are legal and commercial lines ("an agent may grant up to 10 %"), so
they are compared exactly: shares are `Fraction`s built from the decimal text the author
wrote (0.1 is one tenth, not the float nearest to it), amounts are integers of the
currency's minor unit. No float ever decides an outcome.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

MINOR_DIGITS: dict[str, int] = {
    # ISO 4217 currencies whose minor unit is not the cent; every other code has 2 decimals.
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def minor_digits(currency: str | None) -> int:
    """Decimals of the currency's minor unit (2 unless listed in MINOR_DIGITS)."""
    return MINOR_DIGITS.get((currency or "").upper(), 2)


def decimal_of(value: Any, what: str = "value") -> Decimal:
    """A Decimal from what a caller or a file gives: floats by their shortest text."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: {value!r} is not a number")
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, float):
        out = Decimal(repr(value))
    elif isinstance(value, int | str):
        try:
            out = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{what}: {value!r} is not a number") from None
    else:
        raise ValueError(f"{what}: {value!r} is not a number")
    if not out.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return out


def share_of(value: Any, what: str = "share") -> Fraction:
    """An exact share in [0, 1]."""
    share = value if isinstance(value, Fraction) else Fraction(decimal_of(value, what))
    if not 0 <= share <= 1:
        raise ValueError(f"{what}: {value} is not a share between 0 and 1")
    return share


def to_minor(amount: Any, currency: str | None, *, what: str = "amount", exact: bool = True) -> int:
    """An amount in whole minor units. `exact` refuses more decimals than the currency has
    (an agreed amount must be payable); otherwise it rounds half up (a balance read from a
    float column)."""
    value = decimal_of(amount, what)
    digits = minor_digits(currency)
    scaled = value.scaleb(digits)
    whole = scaled.to_integral_value(rounding=ROUND_HALF_UP)
    if exact and whole != scaled:
        raise ValueError(
            f"{what}: {amount} has more decimals than {currency or 'the currency'} has ({digits})"
        )
    return int(whole)


def from_minor(minor: int, currency: str | None) -> Decimal:
    """Whole minor units as a Decimal with the currency's decimals (12345 CNY → 123.45)."""
    digits = minor_digits(currency)
    return Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def money_text(minor: int, currency: str | None) -> str:
    """`1,234.50 CNY`."""
    digits = minor_digits(currency)
    text = f"{from_minor(minor, currency):,.{digits}f}"
    return f"{text} {currency}" if currency else text


def percent(
    share: Fraction | Decimal, digits: int = 4, *, beside: Fraction | Decimal | None = None
) -> str:
    """`12.5%`, `10%`, `33.3333%`: up to `digits` decimals, no trailing zeros. With `beside`,
    as many more decimals as it takes to tell `share` from it (`10.00001%` beside `10%`)."""
    value = Fraction(share) * 100
    while beside is not None and digits < 28 and Fraction(share) != Fraction(beside):
        if percent(share, digits) != percent(beside, digits):
            break
        digits += 1
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    text = f"{exact:.{digits}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def ceil_share(share: Fraction, minor: int) -> int:
    """The least whole number of minor units that is at least `share` of `minor`."""
    product = share * minor
    return ceil_div(product.numerator, product.denominator)
