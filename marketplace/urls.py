"""The catalogue's URLs. Each view module lists its own patterns (one owner per module)."""

from marketplace.views import certificates, imports, public, seller

app_name = "marketplace"

urlpatterns = [
    *public.urlpatterns,
    *seller.urlpatterns,
    *imports.urlpatterns,
    *certificates.urlpatterns,
]
