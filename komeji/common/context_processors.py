from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from komeji.common.selectors import notification_unread_count
from orders.selectors.cart import cart_line_count


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    unread: Any = 0
    if user is not None and user.is_authenticated:
        # Lazy: pages that do not show the header (e-mails, JSON) do not pay for the query.
        unread = SimpleLazyObject(lambda: notification_unread_count(user=user))
    cart_count: Any = 0
    session = getattr(request, "session", None)
    if user is not None and session is not None:
        # Lazy too; no query for a visitor without a cart.
        cart_count = SimpleLazyObject(lambda: cart_line_count(user=user, session=session))
    return {
        "site_name": settings.KOMEJI_SITE_NAME,
        "complaint_contact": {
            "email": settings.KOMEJI_COMPLAINT_EMAIL,
            "phone": settings.KOMEJI_COMPLAINT_PHONE,
            "whatsapp": settings.KOMEJI_COMPLAINT_WHATSAPP,
            "address": settings.KOMEJI_COMPLAINT_ADDRESS,
            "response_days": settings.KOMEJI_COMPLAINT_RESPONSE_WORKING_DAYS,
        },
        "unread_notifications": unread,
        "cart_count": cart_count,
    }
