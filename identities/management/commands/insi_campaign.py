"""python manage.py insi_campaign [--name NAME] [--concurrency N] [--limit N] [--facility CODE]

Verification campaign of an existing base: every active identity holding an
INS is verified with INSi (a re-search compared with the stored INS). Resumable:
identities already verified in the campaign NAME are skipped, so running the
same command again finishes an interrupted campaign. The calls are paced by
INSI_RATE_LIMIT (shared by all workers). With a broker, the requests are queued
for the Celery workers and the command follows their progress; without one, it
runs them here on N threads.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils import timezone
from tqdm import tqdm

from identities.exceptions import IdentityStateError
from identities.models import InsiRequest, PatientIdentity
from identities.services.insi import insi_request_verify
from identities.tasks import insi_request_run_task
from insportal.database import reconnecting


def campaign_candidates(*, name: str, facility: str = "", limit: int | None = None):
    """Identities to verify in the campaign: active, with an INS, never sent when douteuse/fictive, not done yet."""
    done = InsiRequest.objects.filter(campaign=name, kind=InsiRequest.Kind.VERIFY,
                                      state__in=[InsiRequest.State.DONE, InsiRequest.State.FAILED])
    identities = (PatientIdentity.objects.active().with_ins().filter(is_doubtful=False, is_fictitious=False)
                  .exclude(pk__in=done.values("identity_id")).order_by("pk"))
    if facility:
        identities = identities.filter(facility__code=facility)
    return identities[:limit] if limit else identities


class Command(BaseCommand):
    help = "Verify the INS of every identity with INSi (resumable, rate-limited campaign)."

    def add_arguments(self, parser):
        parser.add_argument("--name", default=f"verification-{timezone.localdate():%Y%m%d}",
                            help="Campaign name; run again with the same name to resume.")
        parser.add_argument("--concurrency", type=int, default=8, help="Threads without a broker.")
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument("--facility", default="")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        name = options["name"]
        ids = list(campaign_candidates(name=name, facility=options["facility"], limit=options["limit"])
                   .values_list("pk", flat=True))
        self.stdout.write(f"Campagne « {name} » : {len(ids)} identités à vérifier "
                          f"(limite {settings.INSI_RATE_LIMIT:g} appels/s).")
        started, self.started_at = time.monotonic(), timezone.now()
        bar = tqdm(total=len(ids), disable=options["no_progress"], unit="id")
        refused = self._run_here(ids, name, options["concurrency"], bar) if settings.CELERY_TASK_ALWAYS_EAGER \
            else self._enqueue(ids, name, bar)
        bar.close()
        elapsed = time.monotonic() - started
        outcomes = reconnecting(lambda: Counter(InsiRequest.objects.filter(campaign=name, identity_id__in=ids)
                                                .values_list("outcome", flat=True)))
        summary = ", ".join(f"{k or 'en attente'} {v}" for k, v in sorted(outcomes.items()))
        self.stdout.write(f"Terminé en {elapsed:.1f} s : {summary or 'rien à faire'}; refusées avant appel {refused}.")

    def _run_here(self, ids: list[int], name: str, concurrency: int, bar) -> int:
        if concurrency <= 1:
            return sum(self._verify(pk, name, bar) for pk in ids)
        todo: queue.Queue[int] = queue.Queue()
        for pk in ids:
            todo.put(pk)
        refused: list[int] = []

        def work():
            count = 0
            try:
                while True:
                    try:
                        pk = todo.get_nowait()
                    except queue.Empty:
                        break
                    count += self._verify(pk, name, bar)
            finally:
                refused.append(count)
                connections.close_all()  # this thread's own connections

        threads = [threading.Thread(target=work) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(refused)

    def _enqueue(self, ids: list[int], name: str, bar) -> int:
        refused = sum(self._verify(pk, name) for pk in ids)
        finished = InsiRequest.objects.filter(campaign=name, identity_id__in=ids,
                                              state__in=[InsiRequest.State.DONE, InsiRequest.State.FAILED])
        while (count := reconnecting(finished.count)) < len(ids) - refused:
            bar.update(count - bar.n)
            time.sleep(1)
        bar.update(len(ids) - bar.n)
        return refused

    def _verify(self, pk: int, name: str, bar=None) -> int:
        """Queue (or run, without a broker) one verification; 1 when the identity cannot be sent."""
        # Idempotent (a pending request is reused), so it can run again across a PostgreSQL restart.
        refused = reconnecting(lambda: self._queue_verification(pk, name))
        if bar is not None:
            bar.update(1)
        return refused

    def _queue_verification(self, pk: int, name: str) -> int:
        try:
            request = insi_request_verify(identity=PatientIdentity.objects.get(pk=pk), acting_user=None,
                                          campaign=name)
        except IdentityStateError:
            return 1
        if request.state == InsiRequest.State.QUEUED and request.created_at < self.started_at:
            # Left queued by an interrupted run: the task is idempotent, so queue it again.
            insi_request_run_task.delay(request.pk)
        return 0
