"""The payments app's URLs. Each view module lists its own patterns (one owner per module).
Payment pages live under /pembayaran/; the balance pages sit in the seller and community centres."""

from django.urls import include, path

from payments.views import balance, notifications, pay, transfer

app_name = "payments"

urlpatterns = [
    path(
        "pembayaran/",
        include([*notifications.urlpatterns, *pay.urlpatterns, *transfer.urlpatterns]),
    ),
    *balance.urlpatterns,
]
