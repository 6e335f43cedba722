"""CIV pages: the duplicate worklist, the pair decision page, merges and their undoing."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.views.generic import TemplateView


class WorklistView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "vigilance.view_duplicatecandidate"
    template_name = "vigilance/worklist.html"


class MergeListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "vigilance.merge_patientidentity"
    template_name = "vigilance/worklist.html"


class UnmergeView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "vigilance.merge_patientidentity"
    template_name = "vigilance/worklist.html"
