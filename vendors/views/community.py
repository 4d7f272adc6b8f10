"""Community centre (/community/) for RTIK mentors and coordinators: their chapter's shops with
status and what each lacks, counts per status, pending owner invitations; drafting a shop for a
UMKM, recording consent and inviting the owner."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from komeji.common.types import AuthenticatedRequest
from vendors import selectors
from vendors.forms import ConsentForm, EmailInviteForm, MentorShopForm
from vendors.models import ShopStatus
from vendors.services import communities as community_services
from vendors.services import members as member_services
from vendors.services.errors import ShopActionRefused, ShopNotFound


def _require_community_member(request: AuthenticatedRequest) -> None:
    if not selectors.community_ids_of(user=request.user):
        raise Http404


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    _require_community_member(request)
    shops = list(selectors.community_shops(user=request.user))
    rows = []
    for shop in shops:
        kinds = {d.kind for d in shop.documents.all()}
        missing = selectors.shop_missing(shop=shop, document_kinds=kinds)
        owners = getattr(shop, "owner_memberships", [])
        rows.append({"shop": shop, "missing": missing, "owner": owners[0].user if owners else None})
    counts = selectors.community_status_counts(user=request.user)
    context = {
        "communities": selectors.communities_of(user=request.user),
        "rows": rows,
        "counts": [(status, label, counts[status]) for status, label in ShopStatus.choices],
        "invitations": selectors.community_pending_invitations(user=request.user),
    }
    return render(request, "vendors/community/home.html", context)


@login_required
def shop_create(request: AuthenticatedRequest) -> HttpResponse:
    _require_community_member(request)
    form = MentorShopForm(request.POST or None, request.FILES or None, mentor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["logo"] = data.pop("logo") or None
        try:
            shop = community_services.shop_draft_for_umkm(mentor=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except ShopActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "The shop is drafted. Record the owner's consent, add the documents, then "
                    "invite the owner."
                ),
            )
            return redirect("vendors:community_shop", shop.pk)
    return render(request, "vendors/community/shop_create.html", {"form": form})


@login_required
def shop_detail(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    _require_community_member(request)
    shop = selectors.community_shop_get(user=request.user, shop_id=shop_id)
    if shop is None:
        raise Http404
    editable = not shop.is_claimed and shop.is_assisted
    context = {
        "shop": shop,
        "editable": editable,
        "checklist": selectors.shop_checklist(shop=shop),
        "invitations": selectors.shop_open_invitations(shop=shop),
        "consent_form": ConsentForm(
            initial={"owner_name": shop.consent_owner_name, "given_on": shop.consent_given_on}
        ),
        "invite_form": EmailInviteForm(),
        "events": shop.status_events.select_related("actor").order_by("-created_at")[:20],
    }
    return render(request, "vendors/community/shop_detail.html", context)


@login_required
@require_POST
def shop_consent(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    _require_community_member(request)
    if selectors.community_shop_get(user=request.user, shop_id=shop_id) is None:
        raise Http404
    form = ConsentForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("__all__", []) + [
            e for name, errs in form.errors.items() if name != "__all__" for e in errs
        ]:
            messages.error(request, str(error))
        return redirect("vendors:community_shop", shop_id)
    try:
        community_services.shop_record_consent(
            shop_id=shop_id, mentor=request.user, **form.cleaned_data
        )
    except ShopNotFound:
        raise Http404 from None
    except ShopActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The owner's consent is recorded."))
    return redirect("vendors:community_shop", shop_id)


@login_required
@require_POST
def shop_invite_owner(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    _require_community_member(request)
    if selectors.community_shop_get(user=request.user, shop_id=shop_id) is None:
        raise Http404
    form = EmailInviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid e-mail address."))
        return redirect("vendors:community_shop", shop_id)
    try:
        member_services.shop_owner_invite(
            shop_id=shop_id, actor=request.user, email=form.cleaned_data["email"]
        )
    except ShopNotFound:
        raise Http404 from None
    except ShopActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Invitation sent to %(email)s. The shop becomes theirs when they accept it.")
            % {"email": form.cleaned_data["email"]},
        )
    return redirect("vendors:community_shop", shop_id)
