"""`manage.py export_patient PUBLIC_ID [--output FILE]`: everything held about one patient, as JSON."""

from __future__ import annotations

import json
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from identities.models import PatientIdentity
from insportal.security.export import patient_export


class Command(BaseCommand):
    help = "Export everything held about one patient (identity, related rows, history, access log) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("public_id")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, public_id: str, output: str | None = None, **options):
        try:
            identity = PatientIdentity.objects.get(public_id=UUID(public_id))
        except (ValueError, PatientIdentity.DoesNotExist):
            raise CommandError(f"No identity with the public id {public_id!r}.") from None
        body = json.dumps(patient_export(identity), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(body + "\n")
        else:
            self.stdout.write(body)
