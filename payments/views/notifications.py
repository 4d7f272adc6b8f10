"""The gateways' notification endpoint: one URL for every gateway that speaks Midtrans' format
(the sandbox and Midtrans). Never redirected: the gateways post to the exact path."""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.services.notifications import notification_receive


@csrf_exempt
@require_POST
def notification(request: HttpRequest) -> JsonResponse:
    """The body is read raw: the signature covers the strings exactly as sent. 4xx for what the
    gateway sent wrong; a 5xx only when Komeji itself fails (the gateway then retries)."""
    received = notification_receive(raw_body=request.body)
    return JsonResponse({"status": received.outcome}, status=received.http_status)


urlpatterns: list[URLPattern] = [
    path("notifikasi/", notification, name="notification"),
]
