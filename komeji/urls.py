from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_page

from komeji.common.views import health, language_set
from marketplace.sitemaps import SITEMAPS, sitemap_index
from marketplace.views.public import home

# The admin signs in through allauth's form: one login page, with its failed-login throttle.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("Komeji back office")
admin.site.site_title = _("Komeji back office")
admin.site.index_title = _("Dinas Kominfo Jawa Timur")

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("sitemap.xml", cache_page(15 * 60)(sitemap_index), name="sitemap"),
    path(
        "sitemap-<slug:section>.xml",
        cache_page(15 * 60)(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("admin/", admin.site.urls),
    path("akun/", include("allauth.urls")),
    path("akun/profil/", include("komeji.accounts.urls")),
    path("", include("komeji.common.urls")),
    path("", include("orders.urls")),
    path("", include("payments.urls")),
    path("", include("vendors.urls")),
    path("", include("marketplace.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
