"""The project's own INSi types: what the client takes and returns (no zeep object leaks out)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

FOUND, NOT_FOUND, SEVERAL = "00", "01", "02"
SEARCH_OPERATION = "rechercherInsAvecTraitsIdentite"
VITALE_OPERATION = "rechercherInsAvecCarteVitale"


@dataclass(frozen=True)
class TraitsQuery:
    """The strict traits sent to a traits search (already checked sendable)."""

    birth_name: str
    first_names: tuple[str, ...]
    sex: str
    birth_date: str
    birth_place: str = ""

    def with_first_names(self, names: tuple[str, ...], *, birth_place: str = "") -> TraitsQuery:
        return replace(self, first_names=names, birth_place=birth_place)


@dataclass(frozen=True)
class VitaleQuery:
    """What a Vitale card gives for a beneficiary: their own matricule, the insured's, name, date, rank."""

    matricule: str  # 15 characters, key included
    insured_matricule: str
    birth_name: str
    birth_date: str
    rank: str = "1"


@dataclass(frozen=True)
class Ins:
    """A matricule INS (13 characters + 2-digit key) and its assigning authority."""

    matricule: str
    key: str
    oid: str
    valid_from: str = ""
    valid_until: str = ""

    @property
    def value(self) -> str:
        return self.matricule + self.key


@dataclass(frozen=True)
class InsiIdentity:
    """The identity INSi returned with a 00: active INS, history and qualified traits (TIQ)."""

    ins: Ins
    history: tuple[Ins, ...]
    birth_name: str
    first_names: str  # ListePrenom, space-separated
    sex: str
    birth_date: str
    birth_place: str

    @property
    def first_name(self) -> str:
        return self.first_names.split()[0] if self.first_names else ""


@dataclass(frozen=True)
class SearchResult:
    """One answer: 00 (identity set), 01 (none) or 02 (several). Not an error."""

    code: str
    label: str = ""
    identity: InsiIdentity | None = None
    message_id: str = ""
    duration_ms: int = 0


@dataclass(frozen=True)
class CallRecord:
    """What is kept of one SOAP call for traceability: never traits, never envelopes."""

    message_id: str
    operation: str
    duration_ms: int
    outcome: str  # 00/01/02, temporary, rejected, invalid
    fault_code: str = ""
    fault_detail: str = ""
    error: str = ""


@dataclass(frozen=True)
class VerifyResult:
    """A stored INS checked again: confirmed, changed (stored one is now history), mismatch or not_found."""

    outcome: str
    search: SearchResult
    attempts: int = 0
    notes: list[str] = field(default_factory=list)


CONFIRMED, CHANGED, MISMATCH, VERIFY_NOT_FOUND = "confirmed", "changed", "mismatch", "not_found"
