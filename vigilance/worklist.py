"""Reads for the CIV pages: the filtered worklist, a pair side by side, the merges list."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

from identities.models import PatientIdentity
from vigilance.merging import MERGEABLE_TRAITS
from vigilance.models import CandidateState, DuplicateCandidate, IdentityMerge
from vigilance.selectors import worklist

_EXTRA_ROWS = (("ins_matricule", "Matricule INS"), ("source_id", "IPP"))
_LEVELS = {"agree": "identique", "same": "identique", "exact": "identique", "close": "proche", "partial": "partiel",
           "disagree": "différent", "different": "différent", "missing": "manquant", "far": "éloigné",
           "used": "nom d'usage", "phonetic": "phonétique", "crossed": "pris pour le prénom", "other": "autre prénom",
           "compatible": "compatible", "swapped": "jour et mois inversés", "typo": "faute de frappe",
           "default": "date par défaut", "ins_same": "même INS", "ins_different": "INS différents",
           "parent": "NIR d'un parent", "street": "même rue", "near": "voisine", "town": "même commune",
           "area": "même secteur", "twins": "jumeaux", "sibling": "fratrie", "homonyms": "homonymes",
           "parent_child": "parent et enfant", "names_swapped": "nom et prénom inversés",
           "linked": "reliées par d'autres identités"}
# Matching traits that are not identity fields.
_FIELDS = {"home": "Adresse", "identifier": "Matricule", "rule": "Règle"}


@dataclass(frozen=True)
class PairRow:
    name: str
    label: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        return self.a != self.b


@dataclass(frozen=True)
class Reason:
    label: str
    level: str
    weight: float


def worklist_for(*, user, state: str = "", facility=None, min_score: float | None = None,
                 mine: bool = False) -> QuerySet[DuplicateCandidate]:
    """The worklist filtered; open pairs whose identities are no longer both active are left out."""
    qs = worklist(state or CandidateState.OPEN).select_related("identity_a__facility", "identity_b__facility")
    if not user.has_perm("identities.view_patientidentity"):
        return qs.none()
    if (state or CandidateState.OPEN) == CandidateState.OPEN:
        qs = qs.filter(identity_a__is_active=True, identity_b__is_active=True)
    if facility is not None:
        qs = qs.filter(identity_a__facility=facility)
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    if mine:
        qs = qs.filter(owner=user)
    return qs


def candidate_age_days(candidate: DuplicateCandidate) -> int:
    return (timezone.now() - candidate.created_at).days


def _label(name: str) -> str:
    label = str(PatientIdentity._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def _field_label(name: str) -> str:
    try:
        return _label(name)
    except FieldDoesNotExist:  # reasons stored by an older engine
        return name


def pair_rows(a: PatientIdentity, b: PatientIdentity) -> list[PairRow]:
    rows = [PairRow(n, _label(n), str(getattr(a, n) or ""), str(getattr(b, n) or "")) for n in MERGEABLE_TRAITS]
    return rows + [PairRow(n, label, str(getattr(a, n) or ""), str(getattr(b, n) or "")) for n, label in _EXTRA_ROWS]


def score_reasons(candidate: DuplicateCandidate) -> list[Reason]:
    out = []
    for item in candidate.reasons or []:
        if isinstance(item, dict):
            field = item.get("field", "")
            label = _FIELDS.get(field) or _field_label(field)
            level = str(item.get("level", ""))
            out.append(Reason(label, _LEVELS.get(level, level), float(item.get("weight", 0) or 0)))
    return out


def merges_list() -> QuerySet[IdentityMerge]:
    return IdentityMerge.objects.select_related("survivor", "merged", "merged_by", "undone_by")


def open_candidate_count() -> int:
    return worklist().filter(identity_a__is_active=True, identity_b__is_active=True).count()
