from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from komeji.accounts import selectors, services
from komeji.accounts.forms import AddressForm, ProfileForm
from komeji.common.types import AuthenticatedRequest


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.user_update_profile(user=user, **form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(initial={"full_name": user.full_name, "phone": user.phone})
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def address_list(request: AuthenticatedRequest) -> HttpResponse:
    addresses = selectors.address_list(user=request.user)
    return render(request, "accounts/address_list.html", {"addresses": addresses})


@login_required
def address_create(request: AuthenticatedRequest) -> HttpResponse:
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.address_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The address is saved."))
            next_url = request.GET.get("next", "")
            if next_url and url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                return redirect(next_url)
            return redirect("accounts:address_list")
    return render(request, "accounts/address_form.html", {"form": form, "address": None})


@login_required
def address_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    address = selectors.address_get(user=request.user, address_id=pk)
    if address is None:
        raise Http404
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            try:
                services.address_update(user=request.user, address_id=pk, **form.cleaned_data)
            except services.AddressNotFound:
                raise Http404 from None
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The address is saved."))
                return redirect("accounts:address_list")
    else:
        form = AddressForm(initial=AddressForm.initial_from(address))
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        services.address_delete(user=request.user, address_id=pk)
    except services.AddressNotFound:
        raise Http404 from None
    messages.success(request, _("The address is deleted."))
    return redirect("accounts:address_list")


@login_required
@require_POST
def address_set_default(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        services.address_set_default(user=request.user, address_id=pk)
    except services.AddressNotFound:
        raise Http404 from None
    messages.success(request, _("Your default address is changed."))
    return redirect("accounts:address_list")
