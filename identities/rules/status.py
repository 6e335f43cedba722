"""The RNIV status, derived from facts (RNIV [EXI SI 07]; reference §3.1).

    PROV  no INSi, no high-trust document      RECUP  INSi, no document
    VALI  high-trust document, no INSi         QUAL   INSi and document

Douteuse or fictive force PROV. An identity from the Appli carte Vitale counts
as qualified (RNIV 1 v2.0 §4.3.4).
"""

from __future__ import annotations

from dataclasses import dataclass

PROV, RECUP, VALI, QUAL = "PROV", "RECUP", "VALI", "QUAL"
VITALE_APP = "AV"


@dataclass(frozen=True)
class StatusFacts:
    traits_from_insi: bool
    has_high_trust_proof: bool
    is_doubtful: bool = False
    is_fictitious: bool = False
    collection_method: str = "SM"


def derive_status(facts: StatusFacts) -> str:
    if facts.is_doubtful or facts.is_fictitious:
        return PROV
    if facts.traits_from_insi and (facts.has_high_trust_proof or facts.collection_method == VITALE_APP):
        return QUAL
    if facts.traits_from_insi:
        return RECUP
    if facts.has_high_trust_proof:
        return VALI
    return PROV


def check_attributes(*, is_doubtful: bool, is_fictitious: bool) -> None:
    """Douteuse and fictive cannot coexist (FR Core invariant fr-core-identity-reliability-2)."""
    if is_doubtful and is_fictitious:
        raise ValueError("Une identité ne peut pas être à la fois douteuse et fictive.")
