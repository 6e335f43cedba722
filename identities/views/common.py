"""Shared pieces of the identity pages: the scoped identity lookup and small helpers."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import get_object_or_404

from identities.models import PatientIdentity
from identities.selectors import identity_queryset_for


def identity_get_or_404(user, public_id) -> PatientIdentity:
    """A hidden identity and a missing one both answer 404."""
    return get_object_or_404(identity_queryset_for(user=user), public_id=public_id)


class IdentityPageMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Loads `self.identity` through the scoped selector before the permission check.

    The lookup comes first so that a user without any right on identities gets
    the same 404 for an existing identity as for a missing one.
    """

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.identity = identity_get_or_404(request.user, kwargs["public_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(identity=self.identity, **kwargs)
