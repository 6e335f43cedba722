"""INSi errors: temporary ones are retried, the others are final. 00/01/02 are results, not errors."""

from __future__ import annotations

# Fault codes whose meaning is known (ins-reference.md 4.7), in French for the agent.
KNOWN_FAULTS = {
    "insi_102": "Le téléservice INSi est momentanément indisponible ; nouvelle tentative plus tard.",
    "siram_40": "Le téléservice INSi est momentanément indisponible ; nouvelle tentative plus tard.",
    "desir_550": "Le numéro d'autorisation du logiciel (IDAM) est inconnu de l'INSi : "
                 "contactez l'administrateur (paramètre INSI_IDAM).",
    "siram_100": "Le numéro d'autorisation du logiciel (IDAM) est inconnu de l'INSi : "
                 "contactez l'administrateur (paramètre INSI_IDAM).",
    "desir_560": "Le certificat de l'établissement n'a pas les droits INSi (INSI-AUTO ou INSI-MANU attendu).",
    "insi_24": "Le format du sexe envoyé à l'INSi est incorrect.",
}


class InsiError(Exception):
    """Base class; `message` is French and meant for the agent. Codes are kept for traceability."""

    outcome = "error"

    def __init__(self, message: str, *, fault_code: str = "", fault_detail: str = "", message_id: str = "",
                 duration_ms: int = 0, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.fault_code = fault_code
        self.fault_detail = fault_detail
        self.message_id = message_id
        self.duration_ms = duration_ms
        self.retry_after = retry_after


class InsiTemporaryError(InsiError):
    """Timeout, connection failure, HTTP 5xx, service unavailable, open circuit: try again later."""

    outcome = "temporary"


class InsiRejectedError(InsiError):
    """The service refused the request (unknown IDAM, rights, bad field): retrying will not help."""

    outcome = "rejected"


class InsiInvalidAnswerError(InsiError):
    """The answer cannot be read or is not what the contract promises; it changes nothing."""

    outcome = "invalid"


def fault_message(fault_code: str, fault_detail: str, reason: str) -> str:
    known = KNOWN_FAULTS.get(fault_detail.lower()) or KNOWN_FAULTS.get(fault_code.lower())
    return known or f"L'INSi a refusé la demande ({fault_code or '?'} {fault_detail}) : {reason}".strip()
