from django.contrib import admin

from vigilance.models import CollisionSignal, DuplicateCandidate, MatchingParameters, ScanRun


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ("id", "identity_a", "identity_b", "score", "state", "priority", "owner", "created_at")
    list_filter = ("state", "priority")
    raw_id_fields = ("identity_a", "identity_b", "owner", "decided_by")
    readonly_fields = ("score", "weight", "reasons", "created_at", "decided_by", "decided_at")


@admin.register(CollisionSignal)
class CollisionSignalAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "identity", "other", "is_open", "created_at")
    list_filter = ("kind", "is_open")
    raw_id_fields = ("identity", "other", "decided_by")


@admin.register(MatchingParameters)
class MatchingParametersAdmin(admin.ModelAdmin):
    """m/u can be fixed here by hand: tick `overridden` so that scans stop re-estimating them."""

    list_display = ("id", "overridden", "pairs_used", "estimated_at")


@admin.register(ScanRun)
class ScanRunAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "blocks_done", "blocks_total", "pairs_scored", "candidates_found", "started_at")
    readonly_fields = [f.name for f in ScanRun._meta.fields]
