"""Django admin: the administrators' tool, with history, search and filters a referent would use.

Identities are read-mostly here: traits, status and INS are written by the
services (status is derived, never typed in), so the admin shows them read-only
and offers the history of every change.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Facility, IdentityEvent, IdentityProof, InsHistory, InsiCall, InsiRequest, PatientIdentity


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class InsHistoryInline(admin.TabularInline):
    model = InsHistory
    extra = 0
    can_delete = False
    readonly_fields = ("matricule", "oid", "valid_from", "valid_until", "origin", "recorded_at")


class IdentityProofInline(admin.TabularInline):
    model = IdentityProof
    extra = 0
    can_delete = False
    readonly_fields = ("document_type", "high_trust", "expires_on", "checked_by", "checked_at", "is_active", "comment")


class IdentityEventInline(admin.TabularInline):
    model = IdentityEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "reason", "data", "created_at")
    ordering = ("-created_at",)


@admin.register(PatientIdentity)
class PatientIdentityAdmin(SimpleHistoryAdmin):
    list_display = ("birth_name", "first_name", "birth_date", "sex", "birth_place", "source_id", "facility",
                    "status", "ins_matricule", "is_active")
    list_filter = ("status", "is_active", "facility", "collection_method", "sex", "is_doubtful", "is_fictitious",
                   "is_homonym", "traits_from_insi")
    search_fields = ("=source_id", "birth_name", "used_name", "first_names", "=birth_date", "=ins_matricule", "=nir")
    list_select_related = ("facility",)
    show_full_result_count = False  # exact counts are costly on millions of rows
    readonly_fields = ("public_id", "status", "version", "ins_matricule", "ins_oid", "ins_obtained_at",
                       "insi_queried_at", "traits_from_insi", "merged_into", "created_at", "updated_at", "created_by")
    inlines = (InsHistoryInline, IdentityProofInline, IdentityEventInline)
    history_list_display = ("status", "birth_name", "first_names", "birth_date")

    def has_delete_permission(self, request, obj=None):
        return False  # identities are deactivated or merged, never deleted

    def has_change_permission(self, request, obj=None):
        return False  # writes go through the services (pages and API) so that status and events stay right


@admin.register(IdentityEvent)
class IdentityEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "identity", "actor", "reason")
    list_filter = ("kind",)
    search_fields = ("=identity__source_id", "actor__username")
    date_hierarchy = "created_at"
    list_select_related = ("identity", "actor")
    readonly_fields = [f.name for f in IdentityEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InsiRequest)
class InsiRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "state", "outcome", "identity", "requested_by", "campaign")
    list_filter = ("kind", "state", "outcome")
    search_fields = ("=identity__source_id", "=campaign")
    date_hierarchy = "created_at"
    list_select_related = ("identity", "requested_by")
    readonly_fields = [f.name for f in InsiRequest._meta.fields]


@admin.register(InsiCall)
class InsiCallAdmin(admin.ModelAdmin):
    list_display = ("started_at", "operation", "outcome", "duration_ms", "fault_code", "fault_detail", "user")
    list_filter = ("operation", "outcome", "fault_code")
    search_fields = ("=message_id",)
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in InsiCall._meta.fields]

    def has_add_permission(self, request):
        return False
