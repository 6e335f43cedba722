"""ZeepInsiClient: the only module importing zeep.

Zeep builds the SOAP 1.2 envelope from the project's own WSDL (loaded from
disk, never over the network) and sends it over mutual TLS with explicit
timeouts. The answer is read by `parsing` (by local name), because real answers
stray from the schemas in ways a strict deserialiser rejects.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path

import requests
from django.conf import settings
from zeep import Client, Settings
from zeep.transports import Transport

from .errors import InsiInvalidAnswerError, InsiRejectedError, InsiTemporaryError
from .parsing import parse_answer
from .types import SEARCH_OPERATION, VITALE_OPERATION, SearchResult, TraitsQuery, VitaleQuery

WSDL_PATH = Path(__file__).parent / "contract" / "insi.wsdl"
BINDING = "{http://www.cnamts.fr/webservice}ICIRServiceBinding"
ACTION_PREFIX = "urn:ServiceIdentiteCertifiee:1.0.0:"


class ZeepInsiClient:
    """INSi over SOAP 1.2. Settings give the endpoint, certificate, IDAM, software and timeout."""

    def __init__(self, *, endpoint: str | None = None, timeout: float | None = None,
                 cert_file: str | None = None, key_file: str | None = None, idam: str | None = None):
        session = requests.Session()
        # One client serves every thread of a process (campaigns): keep a connection per thread.
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=32)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        cert_file = settings.INSI_CERT_FILE if cert_file is None else cert_file
        key_file = settings.INSI_KEY_FILE if key_file is None else key_file
        if cert_file:  # organisation certificate (CN INSI-AUTO / INSI-MANU) for mutual TLS
            session.cert = (cert_file, key_file) if key_file else cert_file
        self.timeout = settings.INSI_TIMEOUT if timeout is None else timeout
        transport = Transport(session=session, timeout=self.timeout, operation_timeout=self.timeout)
        client = Client(str(WSDL_PATH), transport=transport, settings=Settings(raw_response=True))
        self._service = client.create_service(BINDING, endpoint or settings.INSI_ENDPOINT)
        self.idam = settings.INSI_IDAM if idam is None else idam
        self.emitter = getattr(settings, "INSI_EMITTER", "") or self.idam

    def search_by_traits(self, query: TraitsQuery) -> SearchResult:
        body = {"NomNaissance": query.birth_name, "Prenom": [" ".join(query.first_names)],
                "Sexe": query.sex, "DateNaissance": query.birth_date,
                "LieuNaissance": query.birth_place or None}
        return self._call(SEARCH_OPERATION, body, coverage={})

    def search_by_vitale(self, query: VitaleQuery) -> SearchResult:
        individual = {"NumIdentifiant": query.matricule[:13], "Cle": query.matricule[13:15]}
        insured = {"NumIdentifiant": query.insured_matricule[:13], "Cle": query.insured_matricule[13:15]}
        body = {"MatriculeIndividu": individual, "MatriculeOD": insured, "NomNaissance": query.birth_name,
                "DateNaissance": query.birth_date, "RangNaissance": query.rank}
        coverage = {"ASSURE": {"Id": {"Num": insured["NumIdentifiant"], "Cle": insured["Cle"]}},
                    "BENEFICIAIRE": {"Nir": {"Num": individual["NumIdentifiant"], "Cle": individual["Cle"]},
                                     "DateNai": query.birth_date, "Rang": int(query.rank or 1)}}
        return self._call(VITALE_OPERATION, body, coverage=coverage)

    def _headers(self, operation: str, message_id: str, coverage: dict) -> dict:
        now = dt.datetime.now(dt.UTC)
        software = {"IDAM": {"_value_1": self.idam, "R": "4"}, "Version": settings.INSI_SOFTWARE_VERSION,
                    "Instance": settings.INSI_INSTANCE_ID,
                    "Nom": f"urn:lps:{settings.INSI_SOFTWARE_NAME.replace(' ', '')}:{settings.INSI_SOFTWARE_VERSION}"}
        return {
            "ContexteLPS": {"Id": str(uuid.uuid4()), "Temps": now, "Emetteur": self.emitter, "LPS": software,
                            "Nature": "CTXLPS", "Version": "01_00"},
            "ContexteBAM": {"Id": str(uuid.uuid4()), "Temps": now, "Emetteur": self.emitter,
                            "COUVERTURE": coverage, "Nature": "CTXBAM", "Version": "01_02"},
            "Action": ACTION_PREFIX + operation,
            "MessageID": message_id,
        }

    def _call(self, operation: str, body: dict, *, coverage: dict) -> SearchResult:
        message_id = f"uuid:{uuid.uuid4()}"
        started = time.monotonic()
        elapsed = lambda: int((time.monotonic() - started) * 1000)  # noqa: E731
        try:
            response = getattr(self._service, operation)(
                **body, _soapheaders=self._headers(operation, message_id, coverage))
        except requests.Timeout:
            raise InsiTemporaryError(f"L'INSi n'a pas répondu dans le délai ({self.timeout:g} s).",
                                     message_id=message_id, duration_ms=elapsed()) from None
        except requests.RequestException as exc:
            raise InsiTemporaryError(f"Connexion à l'INSi impossible ({type(exc).__name__}).",
                                     message_id=message_id, duration_ms=elapsed()) from None
        try:
            result = self._read(response)
        except (InsiTemporaryError, InsiRejectedError, InsiInvalidAnswerError) as exc:
            exc.message_id, exc.duration_ms = message_id, elapsed()
            raise
        return SearchResult(code=result.code, label=result.label, identity=result.identity,
                            message_id=message_id, duration_ms=elapsed())

    @staticmethod
    def _read(response: requests.Response) -> SearchResult:
        try:
            return parse_answer(response.content)
        except InsiInvalidAnswerError:
            # A body we cannot read: the HTTP status says whether to try again.
            if response.status_code >= 500:
                raise InsiTemporaryError(f"L'INSi a répondu par une erreur HTTP {response.status_code}.") from None
            if response.status_code >= 400:
                raise InsiRejectedError(f"L'INSi a refusé la demande (HTTP {response.status_code}).") from None
            raise
