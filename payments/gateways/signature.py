"""The Midtrans notification signature, which the sandbox uses too (../shared/PAYMENTS.md):
`hex(SHA512(order_id + status_code + gross_amount + server_key))` over the strings exactly as
the gateway sent them. Rebuilding `gross_amount` from an integer ("150000" for "150000.00") would
break it, so callers pass the raw strings."""

import hashlib
import hmac
from typing import Any


def midtrans_signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(
        (order_id + status_code + gross_amount + server_key).encode("utf-8")
    ).hexdigest()


def signature_matches(payload: dict[str, Any], server_key: str) -> bool:
    """Whether `payload["signature_key"]` signs the payload's raw fields with `server_key`,
    compared in constant time. False for missing or non-string fields and for an empty key (a
    gateway without a configured key accepts nothing)."""
    order_id, status_code, gross_amount, given = (
        payload.get(name) for name in ("order_id", "status_code", "gross_amount", "signature_key")
    )
    if not (
        server_key
        and isinstance(order_id, str)
        and isinstance(status_code, str)
        and isinstance(gross_amount, str)
        and isinstance(given, str)
    ):
        return False
    expected = midtrans_signature(order_id, status_code, gross_amount, server_key)
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8"))
