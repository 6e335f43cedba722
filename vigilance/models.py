"""Duplicate and collision candidates, the blocking keys they come from, and the scan runs.

Candidates are pairs (a, b) with a.pk < b.pk, unique: a pair judged "not a
duplicate" keeps its row in state DISMISSED, so no later scan re-opens it.
"""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from identities.models import PatientIdentity


class MatchKey(models.Model):
    """One blocking key of one identity (see vigilance.matching.blocking)."""

    # No index of its own: the unique (identity, key) index starts with it.
    identity = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="match_keys",
                                 db_index=False)
    key = models.CharField(max_length=64)
    bucket = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "clé de rapprochement"
        constraints = [models.UniqueConstraint(fields=["identity", "key"], name="matchkey_unique")]
        # Real-time lookup by key; full scan reads one bucket at a time, ordered by key.
        indexes = [models.Index(fields=["key"], name="matchkey_key"),
                   models.Index(fields=["bucket", "key"], name="matchkey_bucket_key")]

    def __str__(self) -> str:
        return f"clé {self.key[:1]} de l'identité {self.identity_id}"


class CandidateState(models.TextChoices):
    OPEN = "open", "À traiter"
    DISMISSED = "dismissed", "Pas un doublon"
    MERGED = "merged", "Fusionnées"
    COLLISION = "collision", "Collision"


class DuplicateCandidate(models.Model):
    identity_a = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="+")
    identity_b = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField("probabilité")
    weight = models.FloatField("poids", default=0.0)
    # [{"field", "level", "weight"}]: trait levels only, never trait values.
    reasons = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=CandidateState.choices, default=CandidateState.OPEN)
    priority = models.PositiveSmallIntegerField(default=2, help_text="1 haute, 2 normale, 3 basse")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="pris en charge par")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    # The last full scan that found the pair: a pair sharing keys of several buckets is found by several
    # blocks of one scan, and the scan counts its pairs once.
    found_by_scan = models.ForeignKey("ScanRun", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="candidates", verbose_name="trouvé par l'analyse")

    class Meta:
        verbose_name = "doublon potentiel"
        verbose_name_plural = "doublons potentiels"
        ordering = ["priority", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["identity_a", "identity_b"], name="candidate_unique_pair"),
            models.CheckConstraint(condition=Q(identity_a__lt=F("identity_b")), name="candidate_ordered_pair"),
        ]
        # The CIV worklist: open pairs by priority then score; pairs of one identity; the dashboard's
        # pairs detected or decided in a period (without them PostgreSQL reads every pair).
        indexes = [models.Index(fields=["state", "priority", "-score"], name="candidate_worklist"),
                   models.Index(fields=["identity_b"], name="candidate_identity_b"),
                   models.Index(fields=["created_at"], name="candidate_created"),
                   models.Index(fields=["decided_at"], name="candidate_decided")]
        permissions = [
            ("merge_patientidentity", "Peut fusionner deux identités"),
            ("view_vigilance_dashboard", "Peut consulter le tableau de bord d'identitovigilance"),
        ]

    def __str__(self) -> str:
        return f"Doublon potentiel {self.identity_a_id}/{self.identity_b_id} ({self.score:.2f})"


class CollisionSignal(models.Model):
    """A record that may mix two persons, or two records sharing what only one person has."""

    class Kind(models.TextChoices):
        SAME_INS = "same_ins", "Même INS sur deux identités"
        INS_TRAITS = "ins_traits", "INS incohérent avec les traits"
        NIR_TRAITS = "nir_traits", "NIR incohérent avec les traits"
        FAR_EDIT = "far_edit", "Traits modifiés très loin des précédents"

    identity = models.ForeignKey(PatientIdentity, on_delete=models.CASCADE, related_name="collision_signals")
    other = models.ForeignKey(PatientIdentity, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What disagrees (trait names, messages), never the trait values themselves in logs.
    details = models.JSONField(default=dict, blank=True)
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "signal de collision"
        verbose_name_plural = "signaux de collision"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["is_open", "kind"], name="collision_open_kind"),
                   models.Index(fields=["identity", "kind"], name="collision_identity_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — identité {self.identity_id}"


class MatchingParameters(models.Model):
    """The m/u parameters in use (one row). Estimated by each full scan unless overridden by hand."""

    data = models.JSONField(default=dict, blank=True)
    overridden = models.BooleanField("fixés à la main", default=False,
                                     help_text="Si coché, les scans n'estiment plus les paramètres.")
    pairs_used = models.PositiveIntegerField(default=0)
    estimated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "paramètres de rapprochement"
        verbose_name_plural = "paramètres de rapprochement"

    def __str__(self) -> str:
        return "paramètres fixés à la main" if self.overridden else "paramètres estimés"


class ScanRun(models.Model):
    """A full duplicate scan, split into blocks (buckets of keys); followed on the dashboard."""

    class State(models.TextChoices):
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    blocks_total = models.PositiveIntegerField(default=0)
    blocks_done = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveBigIntegerField(default=0)
    candidates_found = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = "scan des doublons"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"scan {self.pk} ({self.get_state_display()})"

    @property
    def progress(self) -> float:
        return self.blocks_done / self.blocks_total if self.blocks_total else 0.0


class IdentityMerge(models.Model):
    """A merge of `merged` into `survivor`, with the snapshot that lets one click undo it exactly.

    Written and undone only by `vigilance.merging`. The merged identity is never
    deleted: it stays inactive with `merged_into` set, so its IPP stays findable.
    """

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    survivor = models.ForeignKey(PatientIdentity, on_delete=models.PROTECT, related_name="merges_kept",
                                 verbose_name="identité conservée")
    merged = models.ForeignKey(PatientIdentity, on_delete=models.PROTECT, related_name="merges_absorbed",
                               verbose_name="identité fusionnée")
    candidate = models.ForeignKey(DuplicateCandidate, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="merges")
    reason = models.CharField("motif", max_length=500)
    trait_choices = models.JSONField("traits retenus", default=dict, blank=True)
    # Both identities as they were, the rows moved and the rows created: what undoing needs.
    snapshot = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="fusionnée par")
    merged_at = models.DateTimeField("fusionnée le", auto_now_add=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="annulée par")
    undone_at = models.DateTimeField("annulée le", null=True, blank=True)
    undo_reason = models.CharField("motif de l'annulation", max_length=500, blank=True)

    class Meta:
        verbose_name = "fusion d'identités"
        verbose_name_plural = "fusions d'identités"
        ordering = ["-merged_at"]
        constraints = [
            # A second merge of the same identity can never be recorded while the first stands.
            models.UniqueConstraint(fields=["merged"], condition=Q(undone_at__isnull=True),
                                    name="merge_one_standing_per_identity"),
        ]
        # The merges list (newest first), the dashboard's undos of a period, an identity's standing merges.
        indexes = [models.Index(fields=["-merged_at"], name="merge_time"),
                   models.Index(fields=["undone_at"], name="merge_undone"),
                   models.Index(fields=["survivor"], name="merge_survivor")]

    def __str__(self) -> str:
        return f"Fusion {self.merged_id} → {self.survivor_id}"

    @property
    def is_standing(self) -> bool:
        return self.undone_at is None


class DailyIndicator(models.Model):
    """The base of one facility and admission service at the end of one day (today: at `computed_at`).

    Written by `vigilance.indicators.daily_indicators_compute` (command or Celery task, every few
    minutes for today), so that the dashboard reads a few hundred rows instead of counting a
    million identities on each view, and its trend instead of replaying the history.
    """

    day = models.DateField("jour")
    facility = models.ForeignKey("identities.Facility", on_delete=models.CASCADE, related_name="+",
                                 verbose_name="établissement")
    admission_service = models.CharField("service d'admission", max_length=64, blank=True)
    active = models.PositiveIntegerField("identités actives", default=0)
    provisional = models.PositiveIntegerField("provisoires", default=0)
    retrieved = models.PositiveIntegerField("récupérées", default=0)
    validated = models.PositiveIntegerField("validées", default=0)
    qualified = models.PositiveIntegerField("qualifiées", default=0)
    doubtful = models.PositiveIntegerField("douteuses", default=0)
    fictitious = models.PositiveIntegerField("fictives", default=0)
    homonym = models.PositiveIntegerField("homonymes avérés", default=0)
    merged = models.PositiveIntegerField("fusionnées (inactives)", default=0)
    # The open worklist (pairs whose identity A is in this group), ages counted at `computed_at`;
    # named as the fields of dashboard.WorklistFigures. Only the counts of the live base fill them:
    # days rebuilt from the history keep zeros.
    open = models.PositiveIntegerField("doublons potentiels ouverts", default=0)
    high_priority = models.PositiveIntegerField("dont priorité haute", default=0)
    age_week = models.PositiveIntegerField("ouverts depuis moins de 7 jours", default=0)
    age_month = models.PositiveIntegerField("ouverts depuis 7 à 30 jours", default=0)
    age_older = models.PositiveIntegerField("ouverts depuis plus de 30 jours", default=0)
    oldest = models.DateTimeField("plus ancien doublon ouvert", null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "indicateur quotidien"
        verbose_name_plural = "indicateurs quotidiens"
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["day", "facility", "admission_service"],
                                               name="daily_indicator_unique")]
        # The dashboard trend and the monthly export: a range of days, summed over facilities.
        indexes = [models.Index(fields=["day"], name="daily_indicator_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.facility_id} {self.admission_service or '-'}"


class DailyCounts(models.Model):
    """Counts of one day per facility and admission service, written by a refresh at `computed_at`."""

    day = models.DateField("jour")
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.facility_id} {self.admission_service or '-'}"

    @classmethod
    def counted_at(cls) -> dt.datetime | None:
        """When the latest day's rows were counted (None: nothing stored); an index look-up."""
        return cls.objects.order_by("-day").values_list("computed_at", flat=True).first()


class DailyActivity(DailyCounts):
    """Identities of one facility and admission service created, and last modified, on one day.

    Recounted from the live base by `vigilance.indicators.daily_activity_compute` (command or Celery
    task, every 10 minutes), which leaves the time of the count on the latest day's rows: the
    dashboard sums the days of a period and adds, counted live, the identities created since. An
    identity modified since the count still counts on its former day, for 10 minutes at most.
    """

    facility = models.ForeignKey("identities.Facility", on_delete=models.CASCADE, related_name="+",
                                 verbose_name="établissement")
    admission_service = models.CharField("service d'admission", max_length=64, blank=True)
    # Named as the flows of dashboard.IdentityCounts; "seen": active and last modified that day.
    created = models.PositiveIntegerField("créées", default=0)
    created_without_insi = models.PositiveIntegerField("créées sans appel INSi", default=0)
    seen = models.PositiveIntegerField("vues (actives, modifiées en dernier ce jour)", default=0)
    seen_qualified = models.PositiveIntegerField("vues avec un INS qualifié", default=0)

    class Meta(DailyCounts.Meta):
        verbose_name = "activité du jour"
        verbose_name_plural = "activité par jour"
        indexes = [models.Index(fields=["day"], name="daily_activity_day")]


class DailyInsi(DailyCounts):
    """The INSi calls of one day per facility and admission service of their identity, for the dashboard.

    Written by `vigilance.indicators.daily_insi_compute` (command or Celery task): calls never change,
    so a day recounted after it ended is final, and the dashboard counts live only the days after
    `complete_until()`. The group is the identity's at the time of the count; both are empty
    (NULL) for a call without an identity. Purging old calls leaves their day counts here.
    """

    facility = models.ForeignKey("identities.Facility", null=True, on_delete=models.CASCADE, related_name="+",
                                 verbose_name="établissement")
    admission_service = models.CharField("service d'admission", max_length=64, null=True)
    calls = models.PositiveIntegerField("appels", default=0)
    found = models.PositiveIntegerField("00 trouvée", default=0)
    not_found = models.PositiveIntegerField("01 aucune", default=0)
    several = models.PositiveIntegerField("02 plusieurs", default=0)
    errors = models.PositiveIntegerField("erreurs", default=0)
    temporary = models.PositiveIntegerField("indisponibilités", default=0)
    total_ms = models.PositiveBigIntegerField("durée totale (ms)", default=0)
    max_ms = models.PositiveIntegerField("durée maximale (ms)", default=0)

    class Meta(DailyCounts.Meta):
        verbose_name = "appels INSi du jour"
        verbose_name_plural = "appels INSi par jour"
        indexes = [models.Index(fields=["day"], name="daily_insi_day")]

    @classmethod
    def complete_until(cls) -> dt.date | None:
        """The first day whose stored counts may miss calls: the day of the latest count (None: none stored).

        A day counted after its end holds all its calls; each count starts again from this day, so
        every earlier day stays complete. When a later count found no call, the latest day's rows
        give an earlier day, which only lengthens the live part.
        """
        latest = cls.counted_at()
        return timezone.localdate(latest) if latest else None
