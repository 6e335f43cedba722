from django.contrib import admin

from insportal.security.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: a trace that can be edited proves nothing."""

    list_display = ["at", "username", "identity_public_id", "channel", "view_name", "ip_address"]
    list_filter = ["channel", "view_name", "at"]
    search_fields = ["=username", "=identity_public_id", "=ip_address"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
