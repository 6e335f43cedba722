"""python manage.py insi_simulator [--port N] [--latency-ms MS] [--fault NAME [--fault-count N]]

Serves the INSi simulator on loopback at http://127.0.0.1:N/lps (SOAP 1.2): the
CNDA test identities plus every local identity carrying a declared NIR.
Faults can also be changed while it runs: POST /control (see the simulator module).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from identities.insi.simulator import Config, Simulator, SimulatorServer, population_from_database
from identities.insi.simulator.server import FAULTS


class Command(BaseCommand):
    help = "Serve the INSi SOAP 1.2 simulator on 127.0.0.1 (CNDA identities and local declared NIRs)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--latency-ms", type=int, default=0, help="Delay added to every answer.")
        parser.add_argument("--fault", choices=FAULTS, default="", help="Fault injected in answers.")
        parser.add_argument("--fault-count", type=int, default=0, help="Inject the fault N times only (0: always).")
        parser.add_argument("--timeout-s", type=float, default=30.0, help="How long the 'timeout' fault hangs.")
        parser.add_argument("--idam", action="append", default=[], help="Known IDAM (repeatable; default: any).")
        parser.add_argument("--no-database", action="store_true", help="Only the CNDA identities.")

    def handle(self, *args, **options):
        people = [] if options["no_database"] else self._local_people()
        config = Config(latency_ms=options["latency_ms"], fault=options["fault"], fault_count=options["fault_count"],
                        timeout_s=options["timeout_s"], known_idams=tuple(options["idam"]))
        server = SimulatorServer(Simulator(people, config=config), port=options["port"])
        self.stdout.write(f"INSi simulator on {server.url} ({len(people)} local identities with a NIR, "
                          f"latency {config.latency_ms} ms, fault {config.fault or 'none'})")
        try:
            server.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()

    def _local_people(self):
        try:
            return population_from_database()
        except DatabaseError as exc:
            # A database not migrated yet must not stop the simulator: it still answers for the CNDA identities.
            self.stderr.write(f"Local identities not loaded ({exc.__class__.__name__}); CNDA identities only.")
            return []
