"""python manage.py seed_demo [--password P]: the demo base and one user per role (DEBUG only)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from identities.demo import CNDA_IDENTITIES, DemoPopulation
from identities.models import CollectionMethod, DocumentType, Facility, InsOid, PatientIdentity
from identities.services.identities import identity_create, identity_refresh_status, proof_record
from identities.signals import traits_signal_muted
from insportal import roles

DEMO_USERS = (
    ("agent", roles.AGENT, {}),
    ("referent", roles.REFERENT, {}),
    ("auditor", roles.AUDITOR, {}),
    ("admin", roles.ADMINISTRATOR, {"is_staff": True, "is_superuser": True}),
)
FACILITIES = (("CHU-CF", "CHU de Clermont-Ferrand"), ("CH-RIOM", "Centre hospitalier de Riom"))


class Command(BaseCommand):
    help = "Charge la base de démonstration et crée les utilisateurs agent, referent, auditor et admin."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-ins-2026")
        parser.add_argument("--size", type=int, default=3000, help="Nombre de personnes tirées (hors doublons).")

    def handle(self, *args, password: str, size: int, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuse de s'exécuter quand DEBUG est désactivé (DJANGO_DEBUG=1).")
        for username, role, extra in DEMO_USERS:
            self._user(username, role, password, extra)
        if PatientIdentity.objects.filter(facility__code=FACILITIES[0][0]).exists():
            self.stdout.write("La base de démonstration existe déjà ; utilisateurs mis à jour.")
            return
        with traits_signal_muted():  # the full scan below finds the duplicates at once
            count = self._population(size)
        self.stdout.write(f"{count} identités de démonstration créées.")
        # One process: a demo base is small, and seed_demo also runs inside threaded test servers,
        # where forking a pool of workers can deadlock.
        call_command("find_duplicates", verbosity=0, processes=1)

    def _user(self, username: str, role: str, password: str, extra: dict) -> None:
        user, _ = User.objects.update_or_create(username=username, defaults=extra)
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])

    @transaction.atomic
    def _population(self, size: int) -> int:
        main, other = (Facility.objects.get_or_create(code=c, defaults={"name": n})[0] for c, n in FACILITIES)
        agent = User.objects.get(username="agent")
        demo = DemoPopulation()
        created = [identity_create(facility=main, data=p, acting_user=agent) for p in CNDA_IDENTITIES]
        for index in range(size):
            person = demo.person()
            if index % 25 == 0:
                person = demo.incomplete_date(person)
            identity = identity_create(facility=main, data=person, acting_user=agent)
            created.append(identity)
            self._enrich(identity, index, agent)
            if index % 30 == 0:  # the same person registered again, here or in the other facility
                facility = other if index % 60 == 0 else main
                created.append(identity_create(facility=facility, data=demo.duplicate(person), acting_user=agent))
            if index % 70 == 0:
                created.append(identity_create(facility=main, data=demo.homonym(person), acting_user=agent))
            if index % 90 == 0:
                created += [identity_create(facility=main, data=twin, acting_user=agent) for twin in demo.twins()]
        return len(created)

    def _enrich(self, identity: PatientIdentity, index: int, agent: User) -> None:
        """Give part of the base an INS (as INSi would have) and a checked document."""
        if identity.nir and index % 3 == 0:
            identity.ins_matricule, identity.ins_oid = identity.nir, InsOid.NIR
            identity.traits_from_insi, identity.collection_method = True, CollectionMethod.INSI
            identity.ins_obtained_at = identity.insi_queried_at = timezone.now() - dt.timedelta(days=index % 700)
            identity_refresh_status(identity=identity, acting_user=agent, reason="INS récupéré (démonstration)")
            identity.save()
        if index % 4 == 0:
            document = (DocumentType.ID_CARD, DocumentType.PASSPORT, DocumentType.DRIVING_LICENCE)[index % 3]
            proof_record(identity=identity, document_type=document, acting_user=agent,
                         expires_on=dt.date(2030, 1, 1))
