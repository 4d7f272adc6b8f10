"""Commission rate precedence (shop override → category → default) snapshotted at checkout, and
the dated profit-share agreements whose periods never overlap."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from marketplace.models import Category
from payments.models import ProfitShareAgreement
from payments.services.commission import agreement_in_force, commission_rate_for
from tests.orders.conftest import fill_cart, place, variant
from vendors.models import Shop

D = dt.date


def test_rate_precedence_shop_then_category_then_default(shop, categories, settings):
    settings.KOMEJI_DEFAULT_COMMISSION_BP = 450
    crafts = categories["crafts"]
    Category.objects.filter(pk=crafts.pk).update(commission_bp=800)
    crafts.refresh_from_db()
    assert commission_rate_for(shop=shop, category=None) == 450
    assert commission_rate_for(shop=shop, category=crafts) == 800
    shop.commission_bp = 300
    assert commission_rate_for(shop=shop, category=crafts) == 300
    shop.commission_bp = 0  # a shop may be exempt: 0 is an override, not "unset"
    assert commission_rate_for(shop=shop, category=crafts) == 0


def test_checkout_snapshots_the_rate_in_force(buyer, address, tempe, categories):
    crafts = categories["crafts"]
    Category.objects.filter(pk=crafts.pk).update(commission_bp=800)
    # Given the category's rate: the line snapshots 800
    fill_cart(buyer, (variant(tempe, 0), 1))
    first = place(buyer, address)
    # When the shop gets its own rate, the next order snapshots 300
    Shop.objects.filter(pk=tempe.shop_id).update(commission_bp=300)
    fill_cart(buyer, (variant(tempe, 0), 1))
    second = place(buyer, address)
    # And later changes of the category never touch either
    Category.objects.filter(pk=crafts.pk).update(commission_bp=1000)
    Shop.objects.filter(pk=tempe.shop_id).update(commission_bp=None)
    assert first.shop_orders.get().lines.get().commission_bp == 800
    assert second.shop_orders.get().lines.get().commission_bp == 300


def agreement(community, platform_bp, since, until=None):
    return ProfitShareAgreement.objects.create(
        community=community,
        platform_bp=platform_bp,
        community_bp=10_000 - platform_bp,
        valid_from=since,
        valid_until=until,
    )


def test_agreement_in_force_by_date(malang_community, pasuruan_community):
    own = agreement(malang_community, 6000, D(2026, 3, 1), D(2026, 3, 31))
    default = agreement(None, 7000, D(2026, 1, 1))
    assert agreement_in_force(community=malang_community, on=D(2026, 2, 28)) == default
    assert agreement_in_force(community=malang_community, on=D(2026, 3, 1)) == own
    assert agreement_in_force(community=malang_community, on=D(2026, 3, 31)) == own
    assert agreement_in_force(community=malang_community, on=D(2026, 4, 1)) == default
    assert agreement_in_force(community=pasuruan_community, on=D(2026, 3, 15)) == default
    assert agreement_in_force(community=pasuruan_community, on=D(2025, 12, 31)) is None
    assert agreement_in_force(community=None, on=D(2026, 3, 15)) is None


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (D(2026, 3, 31), None),  # starts on the last day of the other
        (D(2026, 1, 1), D(2026, 3, 1)),  # ends on its first day
        (D(2026, 3, 10), D(2026, 3, 12)),  # inside
        (D(2025, 1, 1), None),  # open, around it
    ],
)
def test_overlapping_periods_of_one_community_are_refused(malang_community, since, until):
    agreement(malang_community, 6000, D(2026, 3, 1), D(2026, 3, 31))
    overlap = pytest.raises(IntegrityError, match="profitshare_periods_do_not_overlap")
    with overlap, transaction.atomic():
        agreement(malang_community, 5000, since, until)
    assert ProfitShareAgreement.objects.count() == 1


def test_overlapping_default_periods_are_refused(db):
    agreement(None, 7000, D(2026, 1, 1))
    overlap = pytest.raises(IntegrityError, match="profitshare_periods_do_not_overlap")
    with overlap, transaction.atomic():
        agreement(None, 8000, D(2027, 1, 1))
    assert ProfitShareAgreement.objects.count() == 1


def test_adjacent_periods_and_other_scopes_are_allowed(malang_community, pasuruan_community):
    agreement(malang_community, 6000, D(2026, 3, 1), D(2026, 3, 31))
    agreement(malang_community, 5000, D(2026, 4, 1))
    agreement(pasuruan_community, 5000, D(2026, 3, 1))
    agreement(None, 7000, D(2026, 3, 1))
    assert ProfitShareAgreement.objects.count() == 4


def test_shares_must_sum_to_whole_and_period_not_reversed(malang_community):
    for fields in (
        {"platform_bp": 7000, "community_bp": 2000, "valid_from": D(2026, 1, 1)},
        {
            "platform_bp": 7000,
            "community_bp": 3000,
            "valid_from": D(2026, 2, 1),
            "valid_until": D(2026, 1, 31),
        },
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ProfitShareAgreement.objects.create(community=malang_community, **fields)
    assert ProfitShareAgreement.objects.count() == 0


def test_model_validation_reports_the_overlap(malang_community):
    agreement(malang_community, 6000, D(2026, 3, 1))
    clash = ProfitShareAgreement(
        community=malang_community, platform_bp=5000, community_bp=5000, valid_from=D(2026, 5, 1)
    )
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="Another agreement of the same community"),
    ):
        clash.full_clean()


def test_admin_adds_an_agreement_and_refuses_an_overlap(admin_client, malang_community):
    admin_client.cookies["django_language"] = "en"
    url = reverse("admin:payments_profitshareagreement_add")
    data = {
        "community": malang_community.pk,
        "platform_bp": "7000",
        "community_bp": "3000",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "note": "MoU 2026",
    }
    assert admin_client.post(url, data).status_code == 302
    response = admin_client.post(url, {**data, "valid_from": "2026-06-01", "platform_bp": "6000"})
    assert response.status_code == 200
    assert "Another agreement of the same community" in response.content.decode()
    assert list(ProfitShareAgreement.objects.values_list("platform_bp", flat=True)) == [7000]


def test_shop_commission_override_is_the_one_field_an_admin_edits(rf, admin_user, shop):
    from django.contrib import admin

    model_admin = admin.site._registry[Shop]
    request = rf.get("/")
    request.user = admin_user
    readonly = model_admin.get_readonly_fields(request, shop)
    assert "commission_bp" not in readonly
    assert {"name", "status", "community", "nik"} <= set(readonly)
