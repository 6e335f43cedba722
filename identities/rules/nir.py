"""NIR / NIA structure and check key (INS referential; reference §1.2-1.3).

The key is 97 - (N mod 97) where N is the 13-character matricule read as an
integer after replacing 2A with 19 and 2B with 18 (Corsica).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRUCTURE = re.compile(
    r"^(?P<sex>[123478])"
    r"(?P<year>\d{2})"
    r"(?P<month>\d{2})"
    r"(?P<place>2[AB]\d{3}|9[78]\d{3}|\d{5})"
    r"(?P<order>\d{3})"
    r"(?P<key>\d{2})?$"
)
MALE_DIGITS = frozenset("137")
FEMALE_DIGITS = frozenset("248")


class NirError(ValueError):
    """A NIR that cannot be accepted; the message says what to fix."""


@dataclass(frozen=True)
class Nir:
    matricule: str  # 13 characters
    key: str  # 2 digits

    @property
    def value(self) -> str:
        return self.matricule + self.key

    @property
    def sex_digit(self) -> str:
        return self.matricule[0]

    @property
    def year(self) -> str:
        return self.matricule[1:3]

    @property
    def month(self) -> int:
        return int(self.matricule[3:5])

    @property
    def place(self) -> str:
        """Positions 6-10: the birth commune COG, or 99 + country for people born abroad."""
        return self.matricule[5:10]

    @property
    def born_abroad(self) -> bool:
        return self.place.startswith("99")

    @property
    def real_month(self) -> int | None:
        """The birth month the NIR carries: 01-12, or 31-42 (pseudo-fictitious, month + 30); None otherwise."""
        if 1 <= self.month <= 12:
            return self.month
        if 31 <= self.month <= 42:
            return self.month - 30
        return None


def nir_key(matricule: str) -> str:
    """The 2-digit check key of a 13-character matricule (Corsica: 2A→19, 2B→18)."""
    digits = matricule.upper().replace("2A", "19").replace("2B", "18")
    return f"{97 - int(digits) % 97:02d}"


def clean_nir_input(raw: str) -> str:
    """Uppercase and drop the spaces, dots and dashes people type inside a NIR."""
    return re.sub(r"[\s.\-]", "", raw or "").upper()


def parse_nir(raw: str, *, require_key: bool = True) -> Nir:
    """Validate a NIR/NIA (13 characters + 2-digit key) and return it. Raises NirError."""
    value = clean_nir_input(raw)
    expected = "15" if require_key else "13 ou 15"
    if len(value) not in ((15,) if require_key else (13, 15)):
        raise NirError(f"Le NIR doit compter {expected} caractères (clé comprise) ; {len(value)} saisis.")
    match = _STRUCTURE.match(value)
    if not match:
        raise NirError(_structure_problem(value))
    month = int(match["month"])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        raise NirError(f"Le mois de naissance « {match['month']} » du NIR n'existe pas (01-12, 20-42 ou 50-99).")
    if match["place"][:2] == "00":
        raise NirError("Le département « 00 » du NIR n'existe pas.")
    if match["order"] == "000":
        raise NirError("Le numéro d'ordre « 000 » du NIR n'est pas valide.")
    matricule = value[:13]
    expected_key = nir_key(matricule)
    key = match["key"] or expected_key
    if key != expected_key:
        raise NirError(f"La clé du NIR est fausse : « {key} » saisie, « {expected_key} » attendue. "
                       "Vérifiez les chiffres saisis.")
    return Nir(matricule=matricule, key=key)


def _structure_problem(value: str) -> str:
    if value[0] not in "123478":
        return f"Le premier chiffre du NIR (sexe) « {value[0]} » n'est pas valide (1, 2, 3, 4, 7 ou 8)."
    if not value[1:5].isdigit():
        return "L'année et le mois de naissance du NIR (positions 2 à 5) doivent être des chiffres."
    if not value[10:].isdigit():
        return "Le numéro d'ordre et la clé du NIR (positions 11 à 15) doivent être des chiffres."
    return "Le département ou la commune de naissance du NIR (positions 6 à 10) ne sont pas valides."
