"""The payments app's URLs. Each view module lists its own patterns (one owner per module)."""

from payments.views import notifications, pay

app_name = "payments"

urlpatterns = [
    *notifications.urlpatterns,
    *pay.urlpatterns,
]
