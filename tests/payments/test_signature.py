"""The Midtrans notification signature over the raw strings, with the independent test vectors
of ../shared/PAYMENTS.md."""

import pytest

from payments.gateways.signature import midtrans_signature, signature_matches

KEY = "SB-Mid-server-TEST"
VECTORS = [
    (
        "1111",
        "200",
        "100000.00",
        "ba66d7114f8780e80c6b32596244322cec1e5a01473d7540994c63f68f755a6f"
        "5700c9f6255a86bf74c0aee0da7fbe66826ed6957ba770ec413238b5a10329a4",
    ),
    (
        "KMJ-000123-1",
        "200",
        "150000.00",
        "14ed8f717939b87c196293ba3eadd9f60e4c1d035eac192e72fa1112ecce9d00"
        "e2714c1fd3fefb6d06931c2290acbbd3910f7bedb57f599bfb72860840df5608",
    ),
    (
        "KMJ-000123-1",
        "201",
        "150000.00",
        "3b4bf7b6565ca886c5c92c5caea7afbdd6e452f4be5e69195aad6f9b0c7da7ca"
        "f40cadad3c54b51efd301c558fd79873ea37e45a3136a5bd3b02cd6989709c48",
    ),
]


@pytest.mark.parametrize(("order_id", "status_code", "gross_amount", "expected"), VECTORS)
def test_the_signature_matches_the_documented_vectors(
    order_id, status_code, gross_amount, expected
):
    assert midtrans_signature(order_id, status_code, gross_amount, KEY) == expected
    payload = {
        "order_id": order_id,
        "status_code": status_code,
        "gross_amount": gross_amount,
        "signature_key": expected,
    }
    assert signature_matches(payload, KEY) is True


def _payload(**changes):
    order_id, status_code, gross_amount, signature = VECTORS[1]
    payload = {
        "order_id": order_id,
        "status_code": status_code,
        "gross_amount": gross_amount,
        "signature_key": signature,
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"gross_amount": "150000"}, KEY),  # the amount rebuilt from an integer
        ({"gross_amount": "150001.00"}, KEY),
        ({"order_id": "KMJ-000124-1"}, KEY),
        ({"status_code": "201"}, KEY),
        ({"signature_key": VECTORS[1][3].upper()}, KEY),
        ({"signature_key": VECTORS[1][3][:-1]}, KEY),
        ({"signature_key": ""}, KEY),
        ({"signature_key": "é" * 128}, KEY),
        ({"signature_key": None}, KEY),
        ({"gross_amount": 150000}, KEY),  # not a string
        ({}, "SB-Mid-server-OTHER"),
        ({}, ""),  # a gateway without a configured key accepts nothing
    ],
)
def test_anything_changed_does_not_match(changes, key):
    assert signature_matches(_payload(**changes), key) is False


def test_a_missing_field_does_not_match():
    payload = _payload()
    del payload["status_code"]

    assert signature_matches(payload, KEY) is False
