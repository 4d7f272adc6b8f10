"""What the buyer's and the shop's order views share."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest

from orders.services.errors import OrderNotFound, OrderRefused


def act_with_message(request: HttpRequest, act: Callable[[], Any], done: str) -> None:
    """Run one service call: its refusal becomes an error message (nothing changed), not found a
    404, success the `done` message. The caller redirects."""
    try:
        act()
    except OrderNotFound:
        raise Http404 from None
    except OrderRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)


def form_value(form: Any, name: str) -> Any:
    """The cleaned value, or OrderRefused with the form's first error (shown as a message by
    act_with_message). Call inside the act, so a bad form changes nothing."""
    if not form.is_valid():
        raise OrderRefused(next(iter(form.errors.values()))[0])
    return form.cleaned_data[name]
