"""A SOAP 1.2 INSi simulator: a small WSGI app on loopback, with fault injection.

POST /lps      the teleservice (both search operations), parsed by local name with lxml.
GET  /control  the current configuration and counters (JSON).
POST /control  change it: {"latency_ms": 50, "fault": "unavailable", "fault_count": 2, "timeout_s": 5}.
               Faults: timeout, unavailable (siram_40/insi_102), unknown_idam (siram_100/desir_550),
               malformed (truncated XML), http500 (HTML error page), unexpected (not a RESULTAT).
               fault_count limits a fault to the next N requests (0: until changed).
The simulator keeps no log of what it receives; `last_request` lives in memory for tests only.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree

from identities.insi.parsing import child, children, text
from identities.insi.types import SEARCH_OPERATION, VITALE_OPERATION

from .population import CNDA, Person

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
RESULTAT = "http://www.cnamts.fr/INSiResultat"
SIRAM = "urn:siram"
FAULTS = ("timeout", "unavailable", "unknown_idam", "malformed", "http500", "unexpected")
LABELS = {"00": "OK", "01": "Aucune identite trouvee", "02": "Plusieurs identites trouvees"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class Config:
    latency_ms: int = 0
    fault: str = ""
    fault_count: int = 0
    timeout_s: float = 30.0
    # Empty: any non-empty IDAM is known.
    known_idams: tuple[str, ...] = ()


class Simulator:
    """The WSGI application. Thread-safe: the server answers requests concurrently."""

    def __init__(self, people: list[Person] | tuple[Person, ...] = (), *, config: Config | None = None,
                 with_cnda: bool = True):
        self.config = config or Config()
        self.lock = threading.Lock()
        self.counters: Counter[str] = Counter()
        self.last_request = b""
        self.last_response = b""
        self.load(list(CNDA if with_cnda else ()) + list(people))

    def load(self, people: list[Person]) -> None:
        index: dict[tuple[str, str], list[Person]] = defaultdict(list)
        by_ins = {}
        for person in people:
            index[(person.birth_name, person.birth_date)].append(person)
            by_ins[person.ins.value] = person
        self.index, self.by_ins = dict(index), by_ins

    def configure(self, **changes) -> None:
        with self.lock:
            for name, value in changes.items():
                if not hasattr(self.config, name):
                    raise ValueError(f"unknown setting {name}")
                if name == "fault" and value and value not in FAULTS:
                    raise ValueError(f"unknown fault {value}; one of {', '.join(FAULTS)}")
                setattr(self.config, name, type(getattr(self.config, name))(value))

    def _take_fault(self) -> str:
        with self.lock:
            fault = self.config.fault
            if fault and self.config.fault_count:
                self.config.fault_count -= 1
                if not self.config.fault_count:
                    self.config.fault = ""
            self.counters["requests"] += 1
            return fault

    # --- WSGI ----------------------------------------------------------------

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if path == "/control":
            return self._control(method, body, start_response)
        if path != "/lps" or method != "POST":
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "25")])
            return [b"INSi simulator: POST /lps"]
        status, content_type, payload = self.answer(body)
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
        return [payload]

    def _control(self, method: str, body: bytes, start_response):
        try:
            if method == "POST":
                self.configure(**json.loads(body or b"{}"))
            state = {"config": asdict(self.config), "counters": dict(self.counters),
                     "people": sum(len(v) for v in self.index.values())}
            status, payload = "200 OK", json.dumps(state).encode()
        except (ValueError, TypeError) as exc:
            status, payload = "400 Bad Request", json.dumps({"error": str(exc)}).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    # --- SOAP ----------------------------------------------------------------

    def answer(self, body: bytes) -> tuple[str, str, bytes]:
        """The HTTP status, content type and body answering one SOAP request."""
        self.last_request = body
        fault = self._take_fault()
        if self.config.latency_ms:
            time.sleep(self.config.latency_ms / 1000)
        if fault == "timeout":
            time.sleep(self.config.timeout_s)
        if fault == "http500":
            return "502 Bad Gateway", "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        if fault == "malformed":
            return "200 OK", "application/soap+xml; charset=utf-8", b"<soap:Envelope xmlns:soap='" \
                + SOAP.encode() + b"'><soap:Body><RESULTAT><CR><CodeCR>00</Code"
        try:
            envelope = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError:
            return self._fault("Sender", "siram_10", "siram_10", "Message SOAP illisible", "")
        header, soap_body = child(envelope, "Header"), child(envelope, "Body")
        message_id = text(header, "MessageID") if header is not None else ""
        action = text(header, "Action") if header is not None else ""
        operation = action.rsplit(":", 1)[-1]
        self.counters[operation] += 1
        if fault == "unavailable":
            return self._fault("Receiver", "siram_40", "insi_102", "Service temporairement indisponible. "
                               "Erreur technique sur la recherche par traits, merci de reessayer plus tard.",
                               message_id)
        if fault == "unknown_idam" or not self._idam_known(header):
            return self._fault("Sender", "siram_100", "desir_550", "Numero d'autorisation du logiciel inconnu. "
                               "Ce logiciel n'est pas autorise a acceder au service.", message_id)
        request = next((c for c in soap_body if isinstance(c.tag, str)), None) if soap_body is not None else None
        if operation not in (SEARCH_OPERATION, VITALE_OPERATION) or request is None:
            return self._fault("Sender", "siram_10", "siram_10", "Operation inconnue", message_id)
        if fault == "unexpected":
            return self._envelope(operation, message_id, etree.Element(f"{{{RESULTAT}}}AUTRE"))
        found = self._search(request) if operation == SEARCH_OPERATION else self._vitale(request)
        return self._envelope(operation, message_id, self._resultat(found))

    def _idam_known(self, header) -> bool:
        lps = child(header, "ContexteLPS") if header is not None else None
        software = child(lps, "LPS") if lps is not None else None
        idam = text(software, "IDAM") if software is not None else ""
        return bool(idam) and (not self.config.known_idams or idam in self.config.known_idams)

    def _search(self, request) -> list[Person]:
        """RECSANSVITALE: exact name, sex and date; every first name asked must be a birth first name."""
        asked = " ".join(c.text or "" for c in children(request, "Prenom")).split()
        key = (text(request, "NomNaissance"), text(request, "DateNaissance"))
        sex, place = text(request, "Sexe"), text(request, "LieuNaissance")
        return [p for p in self.index.get(key, ()) if asked and p.sex == sex
                and set(asked) <= set(p.first_names.split()) and (not place or p.birth_place == place)]

    def _vitale(self, request) -> list[Person]:
        """RECVITALE: the beneficiary's own matricule and birth date (never 02)."""
        matricule = child(request, "MatriculeIndividu")
        value = (text(matricule, "NumIdentifiant") + text(matricule, "Cle")) if matricule is not None else ""
        person = self.by_ins.get(value)
        return [person] if person and person.birth_date == text(request, "DateNaissance") else []

    def _resultat(self, found: list[Person]):
        code = "00" if len(found) == 1 else "01" if not found else "02"
        person = found[0] if code == "00" else None
        nsmap = {None: RESULTAT} if person and person.default_namespace else {"ns2": RESULTAT}
        E = lambda parent, name, value=None: _sub(parent, f"{{{RESULTAT}}}{name}", value)  # noqa: E731
        root = etree.Element(f"{{{RESULTAT}}}RESULTAT", nsmap=nsmap)
        report = E(root, "CR")
        E(report, "CodeCR", code)
        E(report, "LibelleCR", LABELS[code])
        if person:
            individual = E(root, "INDIVIDU")
            for tag, ins in [("INSACTIF", person.ins)] + [("INSHISTO", h) for h in person.history]:
                element = E(individual, tag)
                id_individu = E(element, "IdIndividu")
                E(id_individu, "NumIdentifiant", ins.matricule)
                E(id_individu, "Cle", ins.key)
                E(element, "OID", ins.oid)
                if ins.valid_from:
                    E(element, "DateDeb", ins.valid_from)
                if ins.valid_until:
                    E(element, "DateFin", ins.valid_until)
            tiq = E(individual, "TIQ")
            for name, value in (("NomNaissance", person.birth_name), ("Prenom", person.first_names.split()[0]),
                                ("ListePrenom", person.first_names), ("Sexe", person.sex),
                                ("DateNaissance", person.birth_date), ("LieuNaissance", person.birth_place)):
                if value:
                    E(tiq, name, value)
        return root

    def _envelope(self, operation: str, message_id: str, payload) -> tuple[str, str, bytes]:
        envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "wsa": WSA})
        header = _sub(envelope, f"{{{SOAP}}}Header")
        _sub(header, f"{{{WSA}}}Action", f"urn:ServiceIdentiteCertifiee:1.0.0:{operation}Response")
        if message_id:
            _sub(header, f"{{{WSA}}}RelatesTo", message_id)
        _sub(envelope, f"{{{SOAP}}}Body").append(payload)
        payload_bytes = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        self.last_response = payload_bytes
        return "200 OK", "application/soap+xml; charset=utf-8", payload_bytes

    def _fault(self, code: str, subcode: str, detail_code: str, reason: str, message_id: str):
        envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "siram": SIRAM})
        fault = _sub(_sub(envelope, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
        code_element = _sub(fault, f"{{{SOAP}}}Code")
        _sub(code_element, f"{{{SOAP}}}Value", f"soap:{code}")
        _sub(_sub(code_element, f"{{{SOAP}}}Subcode"), f"{{{SOAP}}}Value", f"siram:{subcode}")
        reason_element = _sub(_sub(fault, f"{{{SOAP}}}Reason"), f"{{{SOAP}}}Text", reason)
        reason_element.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
        erreur = _sub(_sub(fault, f"{{{SOAP}}}Detail"), f"{{{SIRAM}}}Erreur", reason)
        erreur.attrib.update({"severite": "fatale", "code": detail_code})
        if message_id:
            erreur.set("messageID", message_id)
        payload = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        self.last_response = payload
        # SOAP 1.2 HTTP binding: Sender faults are 400, Receiver faults 500.
        return ("400 Bad Request" if code == "Sender" else "500 Internal Server Error",
                "application/soap+xml; charset=utf-8", payload)


def _sub(parent, tag: str, value: str | None = None):
    element = etree.SubElement(parent, tag)
    if value is not None:
        element.text = value
    return element


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        # No access log: the simulator never writes what it was asked.
        pass


class SimulatorServer:
    """Runs a Simulator on 127.0.0.1 in a background thread (tests) or the foreground (command)."""

    def __init__(self, app: Simulator, *, port: int = 0):
        self.app = app
        self.httpd = make_server("127.0.0.1", port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/lps"

    def start(self) -> SimulatorServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
