"""Everything held about one patient, for the right of access (RGPD art. 15) and the DPO."""

from __future__ import annotations

from django.core import serializers
from django.db.models import Model, QuerySet

from identities.models import PatientIdentity
from insportal.security.models import AccessLog


def _rows(queryset: QuerySet | list[Model]) -> list[dict]:
    # Rows without their database ids: the model name and fields are what a person can read.
    return [{"model": row["model"], "fields": row["fields"]}
            for row in serializers.serialize("python", queryset)]


def patient_export(identity: PatientIdentity) -> dict:
    """The identity, every row of any app that points to it, its row history and who read it.

    Related rows are found through the model's reverse relations, so rows added by other
    apps later (vigilance candidates, merges...) are included without a change here.
    """
    related: dict[str, list[dict]] = {}
    for relation in PatientIdentity._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            model = relation.related_model
            rows = model._default_manager.filter(**{relation.field.name: identity})
            if rows.exists():
                related.setdefault(model._meta.label_lower, []).extend(_rows(rows))
    return {
        "identity": _rows([identity])[0],
        "related": related,
        "history": _rows(identity.history.all()),
        "access_log": _rows(AccessLog.objects.filter(identity_public_id=identity.public_id)),
    }
