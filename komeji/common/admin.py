from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from komeji.common.models import AuditLog, Holiday, Notification, OutgoingEmail, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    """Readable in the admin, never written from it."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    ordering = ["code"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_repr", "action", "object_repr", "reason"]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_repr", "action", "object_repr", "object_id", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    # The body may carry a password-reset or verification link: never shown to staff.
    exclude = ["body_text", "body_html"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "delivered_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__email", "title"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
