"""Reads for pages and the API: possible existing identities before creation, the CIV worklist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from identities.models import Facility, PatientIdentity
from vigilance.matching import POSSIBLE_THRESHOLD, Record, Score, prepare
from vigilance.models import CandidateState, DuplicateCandidate
from vigilance.services import score_against


@dataclass(frozen=True)
class PossibleIdentity:
    identity: PatientIdentity
    score: Score

    @property
    def probability(self) -> float:
        return self.score.probability


def possible_existing_identities(traits: Any, facility: Facility | None = None, limit: int = 5
                                 ) -> list[PossibleIdentity]:
    """Existing active identities that the entry (a CleanIdentity or alike) may already be, best first.

    Shown to the admission agent before an identity is created, so that a
    duplicate is not created in the first place.
    """
    fields = {name: getattr(traits, name, "") or "" for name in Record.__dataclass_fields__ if name != "id"}
    scored = [(o.id, s) for o, s in score_against(prepare(Record(**fields)))
              if s.probability >= POSSIBLE_THRESHOLD]
    identities = PatientIdentity.objects.active().filter(pk__in=[i for i, _ in scored])
    if facility is not None:
        identities = identities.filter(facility=facility)
    by_id = {i.pk: i for i in identities.select_related("facility")}
    return [PossibleIdentity(by_id[i], s) for i, s in scored if i in by_id][:limit]


def worklist(state: str = CandidateState.OPEN) -> QuerySet[DuplicateCandidate]:
    """The CIV worklist: candidates in a state, highest priority and score first."""
    return (DuplicateCandidate.objects.filter(state=state)
            .select_related("identity_a", "identity_b", "owner").order_by("priority", "-score"))


def candidates_of_identity(identity: PatientIdentity) -> QuerySet[DuplicateCandidate]:
    return DuplicateCandidate.objects.filter(Q(identity_a=identity) | Q(identity_b=identity)).order_by("-score")
