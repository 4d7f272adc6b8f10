"""Rupiah: whole rupiah in integers, formatted `Rp 1.250.000`, split by basis points.

No floats anywhere near money. Rates are integer basis points (250 = 2.50 %).
"""

import re
from collections.abc import Sequence

BASIS_POINTS_WHOLE = 10_000

_GATEWAY_AMOUNT = re.compile(r"^(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$")


class InvalidAmount(ValueError):
    """A money string from outside (a gateway, a form) that is not a whole rupiah amount."""


def format_rupiah(amount: int) -> str:
    """`1250000` → `Rp 1.250.000`; negative amounts as `-Rp 5.000`."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"rupiah amounts are int, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


_TYPED_RUPIAH = re.compile(
    r"^(?:rp\.?\s*)?([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,-|,0{1,2})?$", re.IGNORECASE
)


def parse_typed_rupiah(value: str) -> int:
    """An amount as a person types it (forms, CSV files): `25000`, `25.000`, `Rp 25.000`,
    `Rp25.000,-`, `25.000,00` → 25000. Cents (`25.000,50`, `25,5`) and anything else raise
    InvalidAmount."""
    match = _TYPED_RUPIAH.match(" ".join(str(value).split()).replace("Rp ", "Rp", 1))
    if match is None:
        raise InvalidAmount(f"not a whole rupiah amount: {value!r}")
    return int(match.group(1).replace(".", ""))


def parse_gateway_amount(value: str) -> int:
    """Parse an amount string as a gateway sends it: `"24145.00"` → 24145.

    Only non-negative whole rupiah are accepted: `"24145.50"`, `"-1"`, `"1e3"`, `" 5"`, `"1,000"`
    and non-strings raise InvalidAmount.
    """
    if not isinstance(value, str):
        raise InvalidAmount(f"amount must be a string, got {type(value).__name__}")
    match = _GATEWAY_AMOUNT.match(value)
    if match is None:
        raise InvalidAmount(f"not an amount: {value!r}")
    whole, fraction = match.groups()
    if fraction is not None and int(fraction) != 0:
        raise InvalidAmount(f"rupiah amounts have no fraction: {value!r}")
    return int(whole)


def split_by_basis_points(amount: int, shares_bp: Sequence[int]) -> list[int]:
    """Split `amount` into parts proportional to `shares_bp` (which sum to 10 000) by the
    largest-remainder method. The parts always sum to `amount`; each is within Rp 1 of its exact
    share; ties in remainder go to the earlier share, so the result is deterministic.

    >>> split_by_basis_points(123_457, [9000, 700, 300])
    [111111, 8642, 3704]
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amount must be an int")
    if not shares_bp or any(
        isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in shares_bp
    ):
        raise ValueError("shares must be non-negative integers")
    if sum(shares_bp) != BASIS_POINTS_WHOLE:
        raise ValueError(f"shares must sum to {BASIS_POINTS_WHOLE} basis points")
    if amount < 0:
        return [-part for part in split_by_basis_points(-amount, shares_bp)]

    floors = []
    remainders = []
    for share in shares_bp:
        quotient, remainder = divmod(amount * share, BASIS_POINTS_WHOLE)
        floors.append(quotient)
        remainders.append(remainder)
    leftover = amount - sum(floors)
    # Largest remainder first; equal remainders in the order the shares were given.
    order = sorted(range(len(shares_bp)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors


def apply_rate(amount: int, rate_bp: int) -> int:
    """`amount * rate_bp / 10 000`, rounded half up to whole rupiah (a commission, a fee)."""
    if rate_bp < 0 or rate_bp > BASIS_POINTS_WHOLE:
        raise ValueError("rate must be between 0 and 10 000 basis points")
    return (amount * rate_bp * 2 + BASIS_POINTS_WHOLE) // (2 * BASIS_POINTS_WHOLE)
