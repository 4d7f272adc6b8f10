from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest

from komeji.common.services import email_queue
from orders.services.cart import cart_merge


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's message here (in the request's language), send it from Celery."""
        message = self.render_mail(template_prefix, email, context)
        html = ""
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (
                    str(content)
                    for content, mimetype in message.alternatives
                    if mimetype == "text/html"
                ),
                "",
            )
        body = message.body
        if message.content_subtype == "html":
            html, body = body, ""
        email_queue(to=email, subject=str(message.subject), body_text=body, body_html=html)

    def login(self, request: HttpRequest, user: Any) -> None:
        """Log in (Django keeps the session's data when it cycles the key), then move the cart
        the visitor filled while signed out into their own."""
        super().login(request, user)
        cart_merge(user=user, session=request.session)
