"""Edge permission checks of the API: each viewset names the model permission an action needs.

Who holds which permission is decided in `insportal/roles.py`; row scoping is the selectors' job.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission


def required_permission(view, request) -> str | None:
    """`action_permissions[action]` if set, else `permission` for reads and `write_permission` for writes."""
    by_action = getattr(view, "action_permissions", {})
    action = getattr(view, "action", None)
    if action in by_action:
        return by_action[action]
    if request.method in SAFE_METHODS:
        return getattr(view, "permission", None)
    return getattr(view, "write_permission", None)


class RolePermission(BasePermission):
    message = "Votre rôle ne permet pas cette action : demandez les droits nécessaires au référent identitovigilance."

    def has_permission(self, request, view) -> bool:
        _refuse_nul_characters(request)
        user = request.user
        if not (user and user.is_authenticated):
            return False
        perm = required_permission(view, request)
        return perm is None or user.has_perm(perm)


def _refuse_nul_characters(request) -> None:
    """PostgreSQL cannot store or compare NUL: refuse it in query parameters before any query (400, not 500).

    Checked here because this class guards every API view; request bodies go through serializer
    CharFields, which already refuse NUL.
    """
    bad = sorted({name for name, values in request.query_params.lists()
                  if "\x00" in name or any("\x00" in v for v in values)})
    if bad:
        raise ValidationError({name: ["Caractère NUL (0x00) interdit."] for name in bad})
