"""Who may read the traces: the auditor (and anyone granted the model permission, e.g. the superuser)."""

from __future__ import annotations


def can_audit(user) -> bool:
    return user.is_authenticated and user.has_perm("security.view_accesslog")


def can_export_patient(user) -> bool:
    """The auditor, and the identity-vigilance referent who answers patients' access requests."""
    return user.is_authenticated and user.has_perm("security.export_patient")
