"""Catalogue fixtures: a category tree, a verified shop with its owner and staff, products."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from marketplace.models import Category, Product
from marketplace.services import products as product_services
from marketplace.services.products import VariantInput
from tests.vendors.conftest import *  # noqa: F403 (shops, people, tmp_documents)
from tests.vendors.conftest import shop_profile
from vendors.models import Shop, ShopStatus
from vendors.services import shops as shop_services


def image_upload(name: str = "foto.jpg", size: tuple[int, int] = (800, 600)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (190, 140, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def verify(shop: Shop) -> Shop:
    """Given-state helper: the shop passed verification (the vendors tests cover how)."""
    Shop.objects.filter(pk=shop.pk).update(
        status=ShopStatus.VERIFIED, first_verified_at=timezone.now()
    )
    shop.refresh_from_db()
    return shop


@pytest.fixture
def categories(db) -> dict[str, Category]:
    """The starting tree of the data migration (marketplace 0003)."""
    slugs = {
        "food": "makanan-minuman",
        "snacks": "keripik-camilan",  # needs P-IRT or BPOM
        "crafts": "anyaman",
        "crafts_top": "kerajinan",
        "fashion": "fesyen",
        "batik": "batik",
        "jamu": "jamu",  # needs BPOM
    }
    if not Category.objects.filter(slug="makanan-minuman").exists():
        # A transaction=True test before this one emptied the tables: load the tree again.
        import importlib

        from django.apps import apps

        importlib.import_module("marketplace.migrations.0003_category_tree").load(apps, None)
    by_slug = Category.objects.select_related("parent").in_bulk(slugs.values(), field_name="slug")
    return {key: by_slug[slug] for key, slug in slugs.items()}


@pytest.fixture
def verified_shop(shop) -> Shop:
    return verify(shop)


@pytest.fixture
def other_shop(db) -> Shop:
    from tests.factories import UserFactory

    return verify(
        shop_services.shop_open(user=UserFactory(), **shop_profile(name="Batik Tulis Jetis"))
    )


def make_product(
    shop: Shop,
    actor,
    category: Category,
    name: str = "Keripik Tempe Pedas",
    variants: list[VariantInput] | None = None,
    **extra,
) -> Product:
    return product_services.product_create(
        shop_id=shop.pk,
        actor=actor,
        category=category,
        name=name,
        description=extra.pop("description", "Keripik tempe renyah khas Malang."),
        variants=variants
        if variants is not None
        else [
            VariantInput(
                name="Pedas, 250 g", sku="KTP-250", price=25_000, weight_grams=250, stock_on_hand=40
            ),
            VariantInput(
                name="Original, 500 g",
                sku="KTO-500",
                price=45_000,
                weight_grams=500,
                stock_on_hand=10,
            ),
        ],
        **extra,
    )
