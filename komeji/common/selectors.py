from typing import Any

from django.db.models import QuerySet

from komeji.common.models import Notification


def notification_inbox(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, delivered_at__isnull=False).order_by(
        "-created_at", "-id"
    )


def notification_unread_count(*, user: Any) -> int:
    return notification_inbox(user=user).filter(read_at__isnull=True).count()
