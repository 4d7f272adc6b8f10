"""Who sees and changes what in the seller centre and the community centre.

Walks every URL of both centres as an anonymous user, an outsider, a staff member, the owner and a
mentor of another community (plus the shop's own mentor where it matters), and checks each answer.
A refused request changes nothing.
"""

import pytest
from django.urls import reverse

from komeji.common.models import AuditLog
from marketplace.models import Category, Product
from marketplace.services import products as product_services
from marketplace.services.products import VariantInput
from tests.factories import UserFactory
from tests.vendors.conftest import shop_profile
from vendors.models import Shop, ShopInvitation, ShopMember
from vendors.services import members as member_services
from vendors.services import shops as shop_services

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the login page
ANON, OUTSIDER, STAFF, OWNER, OTHER_MENTOR = "anon", "outsider", "staff", "owner", "other_mentor"


@pytest.fixture
def world(shop, staff, owner, outsider, other_mentor, mentor, assisted_shop):
    """Shop S (owner, staff, an open staff invitation) in Kota Malang; assisted shop A drafted by
    the Pasuruan mentor; the other mentor belongs to the Malang community (which S did not join)."""
    invitation, token = member_services.shop_staff_invite(
        shop_id=shop.pk, actor=owner, email="calon.staf@contoh.id"
    )
    product = product_services.product_create(
        shop_id=shop.pk,
        actor=owner,
        category=Category.objects.get(slug="anyaman"),
        name="Tas Anyaman Pandan",
        variants=[
            VariantInput(name="", sku="TAS-1", price=85_000, weight_grams=400, stock_on_hand=3)
        ],
    )
    return {
        "shop": shop,
        "product": product,
        "assisted": assisted_shop,
        "invitation": invitation,
        "token": token,
        "users": {
            ANON: None,
            OUTSIDER: outsider,
            STAFF: staff,
            OWNER: owner,
            OTHER_MENTOR: other_mentor,
        },
        "staff_member": ShopMember.objects.get(shop=shop, user=staff),
        "owner_member": ShopMember.objects.get(shop=shop, user=owner),
    }


def _walk_table(world):
    shop = world["shop"]
    s = shop.pk
    p = world["product"].pk
    a = world["assisted"].pk
    inv = world["invitation"].pk
    owner_member = world["owner_member"].pk
    deny = {OUTSIDER: 404, STAFF: 404, OWNER: 404, OTHER_MENTOR: 404}
    members_only = {OUTSIDER: 404, STAFF: 200, OWNER: 200, OTHER_MENTOR: 404}
    owner_only = {OUTSIDER: 404, STAFF: 404, OWNER: 200, OTHER_MENTOR: 404}
    owner_post = {OUTSIDER: 404, STAFF: 404, OWNER: 302, OTHER_MENTOR: 404}
    # (method, url, expected answers by role); anonymous always goes to the login page.
    return [
        (
            "get",
            reverse("vendors:seller_home"),
            {OUTSIDER: 200, STAFF: 302, OWNER: 302, OTHER_MENTOR: 200},
        ),
        (
            "get",
            reverse("vendors:shop_open"),
            {OUTSIDER: 200, STAFF: 200, OWNER: 302, OTHER_MENTOR: 200},
        ),
        ("get", reverse("vendors:dashboard", args=[s]), members_only),
        ("post", reverse("vendors:submit", args=[s]), owner_post),
        ("get", reverse("vendors:profile", args=[s]), owner_only),
        ("post", reverse("vendors:profile", args=[s]), {**owner_only, OWNER: 200}),
        (
            "post",
            reverse("vendors:holiday", args=[s]),
            {OUTSIDER: 404, STAFF: 302, OWNER: 302, OTHER_MENTOR: 404},
        ),
        ("get", reverse("vendors:members", args=[s]), owner_only),
        ("post", reverse("vendors:members", args=[s]), {**owner_only, OWNER: 200}),
        ("post", reverse("vendors:member_remove", args=[s, owner_member]), owner_post),
        ("post", reverse("vendors:invitation_revoke", args=[s, inv + 10_000]), deny),
        ("get", reverse("vendors:bank_account", args=[s]), owner_only),
        ("post", reverse("vendors:bank_account", args=[s]), {**owner_only, OWNER: 200}),
        ("get", reverse("vendors:legal", args=[s]), owner_only),
        # Every legal field is optional: an empty form saves nothing and redirects.
        ("post", reverse("vendors:legal", args=[s]), owner_post),
        ("post", reverse("vendors:document_upload", args=[s]), owner_post),
        # The catalogue in the seller centre: owner and staff.
        ("get", reverse("marketplace:product_list", args=[s]), members_only),
        ("get", reverse("marketplace:product_create", args=[s]), members_only),
        ("get", reverse("marketplace:product_edit", args=[s, p]), members_only),
        ("get", reverse("marketplace:certificates", args=[s, p]), members_only),
        ("get", reverse("marketplace:product_import", args=[s]), members_only),
        ("get", reverse("marketplace:product_import_template", args=[s]), members_only),
        ("get", reverse("marketplace:product_export", args=[s]), members_only),
        # Publishing without a photo is refused with a message: a redirect, nothing changes.
        (
            "post",
            reverse("marketplace:product_publish", args=[s, p]),
            {**deny, STAFF: 302, OWNER: 302},
        ),
        ("get", reverse("vendors:community_home"), {**deny, OTHER_MENTOR: 200}),
        ("get", reverse("vendors:community_shop_create"), {**deny, OTHER_MENTOR: 200}),
        ("get", reverse("vendors:community_shop", args=[a]), deny),
        ("post", reverse("vendors:community_consent", args=[a]), deny),
        ("post", reverse("vendors:community_invite_owner", args=[a]), deny),
        # The assisted shop A in the seller centre: nobody of these may touch it.
        ("get", reverse("vendors:dashboard", args=[a]), deny),
        ("get", reverse("vendors:profile", args=[a]), deny),
        ("get", reverse("vendors:legal", args=[a]), deny),
        ("post", reverse("vendors:document_upload", args=[a]), deny),
    ]


def _state():
    return (
        list(Shop.objects.order_by("pk").values_list("pk", "status", "name", "is_on_holiday")),
        list(Product.objects.order_by("pk").values_list("pk", "status", "name")),
        ShopMember.objects.count(),
        ShopInvitation.objects.filter(revoked_at__isnull=True).count(),
        AuditLog.objects.count(),
    )


@pytest.mark.parametrize("role", [ANON, OUTSIDER, STAFF, OWNER, OTHER_MENTOR])
def test_every_centre_url_answers_each_role_as_expected(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    for method, url, expected_by_role in _walk_table(world):
        before = _state()
        # Empty POSTs: a form that fails validation (200) or a refusal/redirect (302).
        response = getattr(client, method)(url)
        if role == ANON:
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith(reverse("account_login")), (method, url)
            assert _state() == before, (method, url)
            continue
        expected = expected_by_role[role]
        assert response.status_code == expected, (role, method, url, response.status_code)
        if expected == 404 or method == "post":
            # Refused or invalid: nothing changed (holiday with an empty form stays off).
            assert _state()[:4] == before[:4], (role, method, url)


def test_a_shop_id_in_a_url_of_another_shop_answers_404(client, world, owner):
    # Given a second shop with its own staff member and invitation
    other_owner = UserFactory()
    other = shop_services.shop_open(user=other_owner, **shop_profile(name="Batik Tulis Jetis"))
    other_staff = UserFactory()
    other_member = ShopMember.objects.create(shop=other, user=other_staff, role="staff")
    other_invitation, _ = member_services.shop_staff_invite(
        shop_id=other.pk, actor=other_owner, email="orang@contoh.id"
    )
    client.force_login(owner)
    s = world["shop"].pk
    # When the owner of S names the other shop's member or invitation under S
    remove = client.post(reverse("vendors:member_remove", args=[s, other_member.pk]))
    revoke = client.post(reverse("vendors:invitation_revoke", args=[s, other_invitation.pk]))
    dashboard = client.get(reverse("vendors:dashboard", args=[other.pk]))
    # Then each answers 404 and the other shop is untouched
    assert (remove.status_code, revoke.status_code, dashboard.status_code) == (404, 404, 404)
    assert ShopMember.objects.filter(pk=other_member.pk).exists()
    other_invitation.refresh_from_db()
    assert other_invitation.revoked_at is None


def test_the_mentor_edits_the_shop_they_drafted_until_the_owner_accepts(
    client, mentor, assisted_shop
):
    a = assisted_shop.pk
    client.force_login(mentor)
    answers = {
        name: client.get(reverse(name, args=[a])).status_code
        for name in (
            "vendors:dashboard",
            "vendors:profile",
            "vendors:legal",
            "vendors:bank_account",
            "vendors:members",
            "vendors:community_shop",
        )
    }
    assert answers == {
        "vendors:dashboard": 200,
        "vendors:profile": 200,
        "vendors:legal": 200,
        "vendors:bank_account": 404,
        "vendors:members": 404,
        "vendors:community_shop": 200,
    }
    assert client.post(reverse("vendors:submit", args=[a])).status_code == 404

    # Once the owner has accepted, the mentor follows it from the community centre only.
    Shop.objects.filter(pk=a).update(claimed_at="2026-11-28T10:00:00+07:00")
    assert client.get(reverse("vendors:profile", args=[a])).status_code == 404
    assert client.get(reverse("vendors:dashboard", args=[a])).status_code == 404
    assert client.get(reverse("vendors:community_shop", args=[a])).status_code == 200


def test_public_shop_page_only_once_verified(client, shop):
    url = reverse("vendors:shop_page", args=[shop.slug])
    assert client.get(url).status_code == 404
    Shop.objects.filter(pk=shop.pk).update(
        status="verified", first_verified_at="2026-11-28T10:00:00+07:00"
    )
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="verified-badge"' in page.content.decode()
