"""Seller centre (/seller/): the shop's status and checklist, profile, holiday mode, members, bank
account, legal data and documents. Every view finds the shop through the user's access (404 for
anyone else); the services check the same access again under a lock."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from komeji.common.types import AuthenticatedRequest
from marketplace import selectors as catalogue
from vendors import selectors
from vendors.forms import (
    BankAccountForm,
    DocumentUploadForm,
    EmailInviteForm,
    HolidayForm,
    LegalForm,
    ShopOpenForm,
    ShopProfileForm,
)
from vendors.models import ShopDocument, ShopStatus
from vendors.selectors import ShopAccess
from vendors.services import bank as bank_services
from vendors.services import documents as document_services
from vendors.services import members as member_services
from vendors.services import shops as shop_services
from vendors.services import verification
from vendors.services.errors import ShopActionRefused, ShopNotFound, WrongPassword


def _access(request: AuthenticatedRequest, shop_id: int) -> ShopAccess:
    access = selectors.shop_access_get(user=request.user, shop_id=shop_id)
    if access is None:
        raise Http404
    return access


def _refuse_unless(allowed: bool) -> None:
    # A member without the right sees 404 as an outsider would: no hint of what exists.
    if not allowed:
        raise Http404


def _base_context(access: ShopAccess, **extra: Any) -> dict[str, Any]:
    return {"access": access, "shop": access.shop, **extra}


@login_required
def seller_home(request: AuthenticatedRequest) -> HttpResponse:
    shops = list(selectors.shops_of_member(user=request.user))
    if len(shops) == 1:
        return redirect("vendors:dashboard", shops[0].pk)
    return render(request, "vendors/seller_home.html", {"shops": shops})


@login_required
def shop_open(request: AuthenticatedRequest) -> HttpResponse:
    owned = selectors.shop_owned_by(user=request.user)
    if owned is not None:
        messages.info(request, _("You already have a shop."))
        return redirect("vendors:dashboard", owned.pk)
    verified = selectors.user_has_verified_email(user=request.user)
    form = ShopOpenForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and verified and form.is_valid():
        data = dict(form.cleaned_data)
        data["logo"] = data.pop("logo") or None
        try:
            shop = shop_services.shop_open(user=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except ShopActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Your shop is open. Complete its documents to have it verified."),
            )
            return redirect("vendors:dashboard", shop.pk)
    return render(request, "vendors/shop_open.html", {"form": form, "email_verified": verified})


@login_required
def dashboard(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    shop = access.shop
    checklist = selectors.shop_checklist(shop=shop)
    missing = [item for item in checklist if item.required and not item.done]
    context = _base_context(
        access,
        checklist=checklist,
        missing=missing,
        can_submit_now=access.can_submit
        and shop.status in (ShopStatus.DRAFT, ShopStatus.REJECTED)
        and not missing,
        bank_account=getattr(shop, "bank_account", None),
        product_counts=(
            catalogue.seller_product_counts(shop=shop) if access.can_manage_products else None
        ),
        holiday_form=HolidayForm(
            initial={"on_holiday": shop.is_on_holiday, "until": shop.holiday_until}
        ),
    )
    return render(request, "vendors/dashboard.html", context)


@login_required
@require_POST
def submit(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    _refuse_unless(_access(request, shop_id).can_submit)
    try:
        verification.shop_submit(shop_id=shop_id, actor=request.user)
    except ShopNotFound:
        raise Http404 from None
    except ShopActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Sent for verification. Komeji checks it within 2 working days."),
        )
    return redirect("vendors:dashboard", shop_id)


@login_required
def profile(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    _refuse_unless(access.can_edit_profile)
    if request.method == "POST":
        form = ShopProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["logo"] = data.pop("logo") or None
            try:
                shop_services.shop_update_profile(shop_id=shop_id, actor=request.user, **data)
            except ShopNotFound:
                raise Http404 from None
            except ValidationError as exc:
                form.add_error(None, exc)
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The shop's profile is saved."))
                return redirect("vendors:dashboard", shop_id)
    else:
        form = ShopProfileForm(initial=ShopProfileForm.initial_from(access.shop))
    return render(request, "vendors/profile.html", _base_context(access, form=form))


@login_required
@require_POST
def holiday(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    _refuse_unless(access.can_set_holiday)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            shop = shop_services.shop_set_holiday(
                shop_id=shop_id,
                actor=request.user,
                on_holiday=form.cleaned_data["on_holiday"],
                until=form.cleaned_data["until"],
            )
        except ShopNotFound:
            raise Http404 from None
        except ShopActionRefused as exc:
            messages.error(request, str(exc.message))
        else:
            if shop.is_on_holiday:
                messages.success(request, _("Holiday mode is on. Buyers cannot order until then."))
            else:
                messages.success(request, _("Holiday mode is off. Your shop takes orders again."))
    else:
        for error in form.errors.get("__all__", []) + [
            e for name, errs in form.errors.items() if name != "__all__" for e in errs
        ]:
            messages.error(request, str(error))
    return redirect("vendors:dashboard", shop_id)


@login_required
def members(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    _refuse_unless(access.can_manage_members)
    form = EmailInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_services.shop_staff_invite(
                shop_id=shop_id, actor=request.user, email=form.cleaned_data["email"]
            )
        except ShopNotFound:
            raise Http404 from None
        except ShopActionRefused as exc:
            form.add_error("email", str(exc.message))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. It is valid for %(days)s days.")
                % {"email": form.cleaned_data["email"], "days": settings.KOMEJI_INVITATION_DAYS},
            )
            return redirect("vendors:members", shop_id)
    context = _base_context(
        access,
        form=form,
        members=selectors.shop_members(shop=access.shop),
        invitations=selectors.shop_open_invitations(shop=access.shop),
    )
    return render(request, "vendors/members.html", context)


@login_required
@require_POST
def member_remove(request: AuthenticatedRequest, shop_id: int, member_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    _refuse_unless(access.can_manage_members)
    try:
        member_services.shop_member_remove(shop_id=shop_id, actor=request.user, member_id=member_id)
    except ShopNotFound:
        raise Http404 from None
    except ShopActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The member is removed from the shop."))
    return redirect("vendors:members", shop_id)


@login_required
@require_POST
def invitation_revoke(
    request: AuthenticatedRequest, shop_id: int, invitation_id: int
) -> HttpResponse:
    access = _access(request, shop_id)
    try:
        member_services.shop_invitation_revoke(
            shop_id=shop_id, actor=request.user, invitation_id=invitation_id
        )
    except ShopNotFound:
        raise Http404 from None
    except ShopActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The invitation is cancelled."))
    if access.is_mentor:
        return redirect("vendors:community_shop", shop_id)
    return redirect("vendors:members", shop_id)


@login_required
def bank_account(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    _refuse_unless(access.can_manage_bank)
    account = getattr(access.shop, "bank_account", None)
    if request.method == "POST":
        form = BankAccountForm(request.POST)
        if form.is_valid():
            try:
                bank_services.shop_bank_account_set(
                    shop_id=shop_id, actor=request.user, **form.cleaned_data
                )
            except ShopNotFound:
                raise Http404 from None
            except ValidationError as exc:
                form.add_error(None, exc)
            except WrongPassword as exc:
                form.add_error("password", str(exc.message))
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("The bank account is saved. Payouts to it start after %(hours)s hours.")
                    % {"hours": settings.KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS},
                )
                return redirect("vendors:bank_account", shop_id)
    else:
        initial = {}
        if account is not None:
            initial = {"bank_code": account.bank_code, "holder_name": account.holder_name}
        form = BankAccountForm(initial=initial)
    return render(
        request,
        "vendors/bank_account.html",
        _base_context(
            access,
            form=form,
            account=account,
            hold_hours=settings.KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS,
        ),
    )


@login_required
def legal(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    _refuse_unless(access.can_edit_legal)
    shop = access.shop
    if request.method == "POST":
        form = LegalForm(request.POST)
        if form.is_valid():
            try:
                shop_services.shop_update_legal(
                    shop_id=shop_id, actor=request.user, **form.cleaned_data
                )
            except ShopNotFound:
                raise Http404 from None
            except ValidationError as exc:
                form.add_error(None, exc)
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The legal data are saved."))
                return redirect("vendors:legal", shop_id)
    else:
        form = LegalForm(
            initial={
                "owner_legal_name": shop.owner_legal_name,
                "nik": shop.nik,
                "nib": shop.nib,
                "npwp": shop.npwp,
            }
        )
    docs = selectors.shop_documents(shop=shop)
    slots = [
        {"kind": kind, "label": label, "document": docs.get(kind)}
        for kind, label in ShopDocument.Kind.choices
    ]
    return render(
        request,
        "vendors/legal.html",
        _base_context(
            access,
            form=form,
            slots=slots,
            upload_form=DocumentUploadForm(),
            oss_url=settings.KOMEJI_OSS_URL,
        ),
    )


@login_required
@require_POST
def document_upload(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    _refuse_unless(access.can_edit_legal)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("vendors:legal", shop_id)
    try:
        document = document_services.shop_document_upload(
            shop_id=shop_id,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except ShopNotFound:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except ShopActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(document)s is uploaded.") % {"document": document.get_kind_display()}
        )
    return redirect("vendors:legal", shop_id)


@login_required
def invitation_accept(request: AuthenticatedRequest, token: str) -> HttpResponse:
    invitation = selectors.shop_invitation_get(token=token)
    if invitation is None:
        raise Http404
    if request.method == "POST":
        try:
            member = member_services.shop_invitation_accept(token=token, user=request.user)
        except ShopNotFound:
            raise Http404 from None
        except ShopActionRefused as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Welcome to %(shop)s!") % {"shop": member.shop.name})
            return redirect("vendors:dashboard", member.shop_id)
    return render(request, "vendors/invitation_accept.html", {"invitation": invitation})
