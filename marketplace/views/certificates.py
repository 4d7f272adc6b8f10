"""A product's certificates in the seller centre (list and add), and the buyer's report of a
product. The scans open only for moderators, in the admin (marketplace/admin.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from komeji.common.types import AuthenticatedRequest
from marketplace.forms_certificates import CertificateForm, ReportForm
from marketplace.models import Product
from marketplace.services import certificates as certificate_services
from marketplace.services import moderation
from marketplace.services.products import product_certificate_ok
from vendors.selectors import shop_access_get
from vendors.services.errors import ShopActionRefused, ShopNotFound


@login_required
def certificates(request: AuthenticatedRequest, shop_id: int, product_id: int) -> HttpResponse:
    access = shop_access_get(user=request.user, shop_id=shop_id)
    if access is None or not access.can_manage_products:
        raise Http404
    product = (
        Product.objects.select_related("category", "category__parent")
        .filter(pk=product_id, shop_id=shop_id)
        .first()
    )
    if product is None:
        raise Http404
    form = CertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_services.certificate_add(
                product_id=product.pk, actor=request.user, **form.cleaned_data
            )
        except ShopNotFound:
            raise Http404 from None
        except ShopActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The certificate is sent. A moderator checks it, usually within 2 working days."),
            )
            return redirect("marketplace:certificates", shop_id, product.pk)
    requirement = product.category.effective_requirement()
    context = {
        "access": access,
        "shop": access.shop,
        "product": product,
        "certificates": list(product.certificates.order_by("-created_at", "-id")),
        "requirement": certificate_services.requirement_label(requirement) if requirement else "",
        "requirement_met": product_certificate_ok(product=product),
        "today": timezone.localdate(),
        "form": form,
    }
    return render(request, "marketplace/seller/certificates.html", context)


def _product_page(slug: str) -> str:
    try:
        return reverse("marketplace:product_detail", args=[slug])
    except NoReverseMatch:
        return "/"


@login_required
def product_report(request: HttpRequest, slug: str) -> HttpResponse:
    """POST only does anything; a GET (e.g. after logging in from the report link) goes back to
    the product page."""
    if request.method != "POST":
        return HttpResponseRedirect(_product_page(slug))
    product_id = Product.objects.public().filter(slug=slug).values_list("pk", flat=True).first()
    if product_id is None:
        raise Http404
    form = ReportForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for e in form.non_field_errors()] or [
            _("Choose what is wrong with the product.")
        ]
        messages.error(request, " ".join(errors))
        return HttpResponseRedirect(_product_page(slug))
    try:
        moderation.product_report(product_id=product_id, reporter=request.user, **form.cleaned_data)
    except ShopNotFound:
        raise Http404 from None
    except ShopActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you. Komeji's moderators will look at the product."))
    return HttpResponseRedirect(_product_page(slug))


urlpatterns: list[URLPattern] = [
    path(
        "seller/<int:shop_id>/produk/<int:product_id>/sertifikat/",
        certificates,
        name="certificates",
    ),
    path("produk/<slug:slug>/laporkan/", product_report, name="product_report"),
]
