"""Roles are Django groups holding model permissions; kept in sync after every migrate.

One place for who may do what. Permission names are `app_label.codename`; a
permission that does not exist yet (its app not migrated) is skipped.
"""

from __future__ import annotations

AGENT = "Agent d'admission"
REFERENT = "Référent identitovigilance"
AUDITOR = "Auditeur"
ADMINISTRATOR = "Administrateur"

_READ = [
    "identities.view_facility",
    "identities.view_patientidentity",
    "identities.view_identityproof",
    "identities.view_inshistory",
    "identities.view_insirequest",
]
_AGENT = [
    *_READ,
    "identities.add_patientidentity",
    "identities.change_patientidentity",
    "identities.add_identityproof",
    "identities.qualify_patientidentity",
    "identities.request_insi_patientidentity",
]
_REFERENT = [
    *_AGENT,
    "identities.unlock_patientidentity",
    "identities.set_attributes_patientidentity",
    "identities.view_history_patientidentity",
    "identities.view_identityevent",
    "identities.view_insicall",
    "vigilance.view_duplicatecandidate",
    "vigilance.change_duplicatecandidate",
    "vigilance.merge_patientidentity",
    "vigilance.view_vigilance_dashboard",
    "security.export_patient",
]
_AUDITOR = [
    *_READ,
    "identities.view_history_patientidentity",
    "identities.view_identityevent",
    "identities.view_insicall",
    "vigilance.view_duplicatecandidate",
    "vigilance.view_vigilance_dashboard",
    "security.view_accesslog",
    "security.export_patient",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENT: _AGENT,
    REFERENT: _REFERENT,
    AUDITOR: _AUDITOR,
    ADMINISTRATOR: [*_REFERENT, "security.view_accesslog"],
}


def sync_role_groups(**kwargs) -> None:
    """post_migrate receiver: create the role groups and give them exactly their permissions."""
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted += Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.set(wanted)
