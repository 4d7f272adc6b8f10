"""Seller centre: the shop's products (/seller/<shop>/produk/): list with quick edit of price and
stock, create and edit with variants and several photos, publish and hide. Owner and staff only;
anyone else, and a product of another shop, gets 404."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from komeji.common.types import AuthenticatedRequest
from marketplace import selectors
from marketplace.forms import ProductForm, QuickEditForm, VariantForm, VariantFormSet
from marketplace.models import Product, ProductStatus, Variant
from marketplace.services import images as image_services
from marketplace.services import products as product_services
from vendors.selectors import ShopAccess, shop_access_get
from vendors.services.errors import ShopActionRefused, ShopNotFound

STATUS_TABS = [
    ("", _("All")),
    (ProductStatus.ACTIVE, ProductStatus.ACTIVE.label),
    (ProductStatus.DRAFT, ProductStatus.DRAFT.label),
    (ProductStatus.HIDDEN, ProductStatus.HIDDEN.label),
    (ProductStatus.BLOCKED, ProductStatus.BLOCKED.label),
]
PAGE_SIZE = 50


def _access(request: AuthenticatedRequest, shop_id: int) -> ShopAccess:
    access = shop_access_get(user=request.user, shop_id=shop_id)
    if access is None or not access.can_manage_products:
        raise Http404
    return access


def _product(access: ShopAccess, product_id: int) -> Product:
    product = (
        Product.objects.select_related("category", "category__parent")
        .prefetch_related("variants", "images", "certificates")
        .filter(pk=product_id, shop=access.shop)
        .first()
    )
    if product is None:
        raise Http404
    return product


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ShopActionRefused):
        return [str(exc.message)]
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)]


@login_required
def product_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    status = request.GET.get("status", "")
    query = " ".join(request.GET.get("q", "").split())[:80]
    products = selectors.seller_products(shop=access.shop, status=status, query=query)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.seller_product_counts(shop=access.shop)
    tabs = [(value, label, counts[value or "all"]) for value, label in STATUS_TABS]
    context = {
        "access": access,
        "shop": access.shop,
        "products": page.object_list,
        "page": page,
        "query": query,
        "tabs": tabs,
        "status": status,
    }
    return render(request, "marketplace/seller/product_list.html", context)


def _form_context(
    access: ShopAccess, form: ProductForm, formset: Any, product: Product | None
) -> dict[str, Any]:
    return {
        "access": access,
        "shop": access.shop,
        "form": form,
        "formset": formset,
        "product": product,
        "problems": (
            product_services.product_publish_problems(product=product)
            if product is not None and product.status != ProductStatus.ACTIVE
            else []
        ),
    }


def _product_kwargs(form: ProductForm, formset: Any) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("photos")
    variants = [
        f.to_input()
        for f in formset.forms
        if f.has_changed() and f.is_valid() and not f.cleaned_data.get("DELETE")
    ]
    return {**data, "variants": variants}


def _add_photos(request: AuthenticatedRequest, product: Product, photos: list[Any]) -> bool:
    if not photos:
        return True
    try:
        image_services.product_images_add(product_id=product.pk, actor=request.user, uploads=photos)
    except (ShopActionRefused, ValidationError) as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return False
    return True


@login_required
def product_create(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    if request.method == "POST":
        form = ProductForm(request.POST, request.FILES)
        formset = VariantFormSet(request.POST, prefix="variants")
        if form.is_valid() and formset.is_valid():
            try:
                product = product_services.product_create(
                    shop_id=shop_id, actor=request.user, **_product_kwargs(form, formset)
                )
            except ShopNotFound:
                raise Http404 from None
            except (ShopActionRefused, ValidationError) as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            else:
                photos_ok = _add_photos(request, product, form.cleaned_data["photos"])
                if photos_ok:
                    messages.success(
                        request,
                        _("The product is saved as a draft. Check it, then publish it."),
                    )
                return redirect("marketplace:product_edit", shop_id, product.pk)
    else:
        form = ProductForm()
        formset = VariantFormSet(prefix="variants")
    return render(
        request, "marketplace/seller/product_form.html", _form_context(access, form, formset, None)
    )


@login_required
def product_edit(request: AuthenticatedRequest, shop_id: int, product_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    product = _product(access, product_id)
    if request.method == "POST":
        form = ProductForm(request.POST, request.FILES)
        formset = VariantFormSet(request.POST, prefix="variants")
        if form.is_valid() and formset.is_valid():
            try:
                product_services.product_update(
                    product_id=product.pk, actor=request.user, **_product_kwargs(form, formset)
                )
            except ShopNotFound:
                raise Http404 from None
            except (ShopActionRefused, ValidationError) as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            else:
                if _add_photos(request, product, form.cleaned_data["photos"]):
                    messages.success(request, _("The product is saved."))
                return redirect("marketplace:product_edit", shop_id, product.pk)
    else:
        form = ProductForm(
            initial={
                "name": product.name,
                "category": product.category_id,
                "description": product.description,
                "condition": product.condition,
                "min_order_qty": product.min_order_qty,
                "warranty_days": product.warranty_days,
                "warranty_terms": product.warranty_terms,
            }
        )
        formset = VariantFormSet(
            prefix="variants",
            initial=[VariantForm.initial_from(v) for v in product.variants.all()],
        )
    return render(
        request,
        "marketplace/seller/product_form.html",
        _form_context(access, form, formset, product),
    )


def _product_action(
    request: AuthenticatedRequest, shop_id: int, product_id: int, action: Any, done: str
) -> HttpResponse:
    access = _access(request, shop_id)
    product = _product(access, product_id)
    try:
        action(product_id=product.pk, actor=request.user)
    except ShopNotFound:
        raise Http404 from None
    except (ShopActionRefused, ValidationError) as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, done)
    next_url = request.POST.get("next", "")
    if next_url.startswith(f"/seller/{shop_id}/") and "//" not in next_url:
        return redirect(next_url)
    return redirect("marketplace:product_list", shop_id)


@login_required
@require_POST
def product_publish(request: AuthenticatedRequest, shop_id: int, product_id: int) -> HttpResponse:
    return _product_action(
        request,
        shop_id,
        product_id,
        product_services.product_publish,
        _("The product is published: buyers can see it now."),
    )


@login_required
@require_POST
def product_hide(request: AuthenticatedRequest, shop_id: int, product_id: int) -> HttpResponse:
    return _product_action(
        request,
        shop_id,
        product_id,
        product_services.product_hide,
        _("The product is hidden from buyers."),
    )


@login_required
@require_POST
def variant_quick_edit(
    request: AuthenticatedRequest, shop_id: int, variant_id: int
) -> HttpResponse:
    access = _access(request, shop_id)
    if not Variant.objects.filter(pk=variant_id, product__shop=access.shop).exists():
        raise Http404
    form = QuickEditForm(request.POST)
    if form.is_valid():
        try:
            variant = product_services.variant_quick_update(
                variant_id=variant_id, actor=request.user, **form.cleaned_data
            )
        except ShopNotFound:
            raise Http404 from None
        except (ShopActionRefused, ValidationError) as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            messages.success(
                request, _("%(sku)s: price and stock are saved.") % {"sku": variant.sku}
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    query = request.POST.get("status", "")
    url = f"/seller/{shop_id}/produk/" + (
        f"?status={query}" if query in ProductStatus.values else ""
    )
    return redirect(f"{url}#variant-{variant_id}")


@login_required
@require_POST
def image_delete(
    request: AuthenticatedRequest, shop_id: int, product_id: int, image_id: int
) -> HttpResponse:
    access = _access(request, shop_id)
    product = _product(access, product_id)
    try:
        image_services.product_image_delete(
            product_id=product.pk, image_id=image_id, actor=request.user
        )
    except ShopNotFound:
        raise Http404 from None
    except (ShopActionRefused, ValidationError) as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The photo is deleted."))
    return redirect("marketplace:product_edit", shop_id, product.pk)


@login_required
@require_POST
def image_make_cover(
    request: AuthenticatedRequest, shop_id: int, product_id: int, image_id: int
) -> HttpResponse:
    access = _access(request, shop_id)
    product = _product(access, product_id)
    ids = [image.pk for image in product.images.all()]
    if image_id not in ids:
        raise Http404
    try:
        image_services.product_images_reorder(
            product_id=product.pk,
            actor=request.user,
            image_ids=[image_id, *[i for i in ids if i != image_id]],
        )
    except ShopNotFound:
        raise Http404 from None
    except (ShopActionRefused, ValidationError) as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("marketplace:product_edit", shop_id, product.pk)


urlpatterns = [
    path("seller/<int:shop_id>/produk/", product_list, name="product_list"),
    path("seller/<int:shop_id>/produk/tambah/", product_create, name="product_create"),
    path("seller/<int:shop_id>/produk/<int:product_id>/ubah/", product_edit, name="product_edit"),
    path(
        "seller/<int:shop_id>/produk/<int:product_id>/terbitkan/",
        product_publish,
        name="product_publish",
    ),
    path(
        "seller/<int:shop_id>/produk/<int:product_id>/sembunyikan/",
        product_hide,
        name="product_hide",
    ),
    path(
        "seller/<int:shop_id>/produk/varian/<int:variant_id>/",
        variant_quick_edit,
        name="variant_quick_edit",
    ),
    path(
        "seller/<int:shop_id>/produk/<int:product_id>/foto/<int:image_id>/hapus/",
        image_delete,
        name="image_delete",
    ),
    path(
        "seller/<int:shop_id>/produk/<int:product_id>/foto/<int:image_id>/sampul/",
        image_make_cover,
        name="image_make_cover",
    ),
]
