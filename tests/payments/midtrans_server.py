"""A local HTTP server speaking Midtrans' documented protocol (../shared/PAYMENTS.md): Snap's
create-transaction, the Core API's status and refund. The only stand-in the tests use: Komeji's
own code runs unpatched and talks to it over HTTP.

It checks what Midtrans checks: Basic auth with the server key and an empty password, a JSON
body, `order_id` of at most 50 letters, digits and `- _ ~ .`, used once (HTTP 406 otherwise),
a whole-number `gross_amount` equal to the sum of price x quantity over `item_details`."""

import base64
import json
import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SERVER_KEY = "SB-Mid-server-TEST"
ORDER_ID = re.compile(r"^[A-Za-z0-9\-_~.]{1,50}$")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class MidtransServer:
    def __init__(self) -> None:
        self.transactions: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []  # method, path, auth, body of each request
        self.refunds: dict[str, dict[str, Any]] = {}  # refund_key → answer
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                expected = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
                return self.headers.get("Authorization") == expected

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = "not json"
                with server.lock:
                    server.requests.append(
                        {
                            "method": method,
                            "path": self.path,
                            "auth": self.headers.get("Authorization"),
                            "content_type": self.headers.get("Content-Type"),
                            "body": body,
                        }
                    )
                    if not self._authorized():
                        return self._answer(
                            401,
                            {
                                "error_messages": [
                                    "Access denied due to unauthorized transaction, please check "
                                    "client or server key"
                                ]
                            },
                        )
                    return server.route(self, method, body)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # --- protocol ---------------------------------------------------------------------------

    def route(self, handler: Any, method: str, body: Any) -> None:
        path = handler.path
        if method == "POST" and path == "/snap/v1/transactions":
            return self.snap_create(handler, body)
        match = re.fullmatch(r"/v2/([^/]+)/(status|refund)", path)
        if match and method == "GET" and match.group(2) == "status":
            return self.status(handler, match.group(1))
        if match and method == "POST" and match.group(2) == "refund":
            return self.refund(handler, match.group(1), body)
        return handler._answer(404, {"status_code": "404", "status_message": "Not found"})

    def snap_create(self, handler: Any, body: Any) -> None:
        errors: list[str] = []
        if not isinstance(body, dict):
            return handler._answer(400, {"error_messages": ["request body is not JSON"]})
        details = body.get("transaction_details") or {}
        order_id = details.get("order_id")
        gross = details.get("gross_amount")
        items = body.get("item_details") or []
        if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
            errors.append("transaction_details.order_id is invalid")
        if not _whole(gross) or gross <= 0:
            errors.append("transaction_details.gross_amount must be a whole number")
        for item in items:
            if not _whole(item.get("price")) or not _whole(item.get("quantity")):
                errors.append("item_details price and quantity must be whole numbers")
        if not errors and sum(i["price"] * i["quantity"] for i in items) != gross:
            errors.append(
                "transaction_details.gross_amount is not equal to the sum of item_details"
            )
        if errors:
            return handler._answer(400, {"error_messages": errors})
        if order_id in self.transactions:
            return handler._answer(
                406, {"error_messages": ["transaction_details.order_id sudah digunakan"]}
            )
        token = str(uuid.uuid4())
        self.transactions[order_id] = {"gross_amount": gross, "token": token, "status": None}
        return handler._answer(
            201,
            {"token": token, "redirect_url": f"{self.url}/snap/v4/redirection/{token}"},
        )

    def _status_body(self, order_id: str) -> dict[str, Any] | None:
        transaction = self.transactions.get(order_id)
        if transaction is None or transaction["status"] is None:
            return None
        code = {"settlement": "200", "pending": "201", "deny": "202", "expire": "407"}.get(
            transaction["status"], "200"
        )
        return {
            "status_code": code,
            "status_message": "Success, transaction is found",
            "transaction_id": transaction["transaction_id"],
            "order_id": order_id,
            "gross_amount": f"{transaction['gross_amount']}.00",
            "currency": "IDR",
            "payment_type": transaction["payment_type"],
            "transaction_time": "2026-11-28 10:00:00",
            "transaction_status": transaction["status"],
            "fraud_status": "accept",
        }

    def status(self, handler: Any, order_id: str) -> None:
        body = self._status_body(order_id)
        if body is None:
            return handler._answer(
                404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
            )
        return handler._answer(200, body)

    def refund(self, handler: Any, order_id: str, body: Any) -> None:
        # The Core API answers HTTP 200 and puts its verdict in status_code.
        if not isinstance(body, dict) or not _whole(body.get("amount")):
            return handler._answer(
                200, {"status_code": "400", "status_message": "amount must be a whole number"}
            )
        key = body.get("refund_key")
        if key in self.refunds:
            return handler._answer(200, self.refunds[key])
        transaction = self.transactions.get(order_id)
        if transaction is None or transaction["status"] not in ("settlement", "partial_refund"):
            return handler._answer(
                200,
                {
                    "status_code": "412",
                    "status_message": "Merchant cannot modify the status of the transaction",
                },
            )
        left = transaction["gross_amount"] - transaction.get("refunded", 0)
        if body["amount"] > left:
            return handler._answer(
                200,
                {"status_code": "413", "status_message": "The request cannot be processed"},
            )
        transaction["refunded"] = transaction.get("refunded", 0) + body["amount"]
        transaction["status"] = (
            "refund" if transaction["refunded"] == transaction["gross_amount"] else "partial_refund"
        )
        answer = {
            **(self._status_body(order_id) or {}),
            "status_code": "200",
            "status_message": "Success, refund request is approved",
            "refund_chargeback_id": len(self.refunds) + 1,
            "refund_amount": f"{body['amount']}.00",
            "refund_key": key,
        }
        self.refunds[key] = answer
        return handler._answer(200, answer)

    # --- what the buyer does on Snap (test helpers) ------------------------------------------

    def given(
        self,
        order_id: str,
        gross_amount: int,
        status: str = "settlement",
        payment_type: str = "bank_transfer",
    ) -> dict[str, Any]:
        """Given state: a transaction Midtrans already has (made on Snap, then `status`)."""
        self.transactions[order_id] = {
            "gross_amount": gross_amount,
            "token": str(uuid.uuid4()),
            "status": status,
            "payment_type": payment_type,
            "transaction_id": str(uuid.uuid4()),
        }
        return self.transactions[order_id]

    def paths(self, method: str, suffix: str) -> list[dict[str, Any]]:
        """The requests received of one kind, e.g. ("POST", "/refund")."""
        with self.lock:
            return [
                r for r in self.requests if r["method"] == method and r["path"].endswith(suffix)
            ]

    def pay(self, order_id: str, payment_type: str = "bank_transfer") -> None:
        transaction = self.transactions[order_id]
        transaction.update(
            status="settlement",
            payment_type=payment_type,
            transaction_id=str(uuid.uuid4()),
        )


@pytest.fixture
def midtrans(settings) -> Iterator[MidtransServer]:
    """A running Midtrans-protocol server; Komeji's settings point to it, midtrans enabled."""
    server = MidtransServer()
    server.thread.start()
    settings.MIDTRANS_SERVER_KEY = SERVER_KEY
    settings.MIDTRANS_SNAP_URL = server.url
    settings.MIDTRANS_API_URL = server.url
    settings.KOMEJI_PAYMENT_PROVIDERS = ["sandbox", "midtrans"]
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
