"""The orders app's URLs. Each view module lists its own patterns (one owner per module)."""

from orders.views import buyer, cart, shipping, shop

app_name = "orders"

urlpatterns = [
    *cart.urlpatterns,
    *buyer.urlpatterns,
    *shop.urlpatterns,
    *shipping.urlpatterns,
]
