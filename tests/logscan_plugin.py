"""Data protection: no NIR and no test patient's name may reach the logs of a test run.

A handler on the root logger keeps every record of the session (formatted with its
traceback, as a log file would hold it); at the end, any record holding a valid NIR
or a CNDA test name fails the run, naming the logger. Registered in tests/conftest.py.
"""

from __future__ import annotations

import logging
import re

import pytest

from identities.insi.simulator.population import CNDA
from identities.rules.nir import nir_key

# A NIR as written in a log: 13 characters then its key (Corsica's 2A/2B included), with or without spaces.
NIR_PATTERN = re.compile(r"(?<![0-9A-Za-z])([12][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}) ?([0-9]{2})(?![0-9])")
# Birth names of the CNDA test identities; plain words that logs use for other things are left out.
COMMON_WORDS = {"PROVISOIRE", "CORSE"}
CNDA_NAMES = {p.birth_name for p in CNDA if p.birth_name not in COMMON_WORDS and len(p.birth_name) >= 5}
CNDA_NIRS = {ins.matricule + ins.key for p in CNDA for ins in (p.ins, *p.history)}


def find_leaks(text: str) -> list[str]:
    """What in `text` identifies a patient: valid NIRs, CNDA NIRs (even with a wrong key) and CNDA names."""
    leaks = [m.group(1) + m.group(2) for m in NIR_PATTERN.finditer(text) if nir_key(m.group(1)) == m.group(2)]
    leaks += [nir for nir in CNDA_NIRS if nir in text]
    upper = text.upper()
    leaks += [name for name in CNDA_NAMES if re.search(rf"\b{re.escape(name)}\b", upper)]
    return sorted(set(leaks))


class _KeepAll(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a badly formatted record is not ours to judge
            return
        for leak in find_leaks(text):
            self.leaks.append(f"{record.name}: {leak!r} in {text[:200]!r}")


_handler = _KeepAll()


@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item):
    # Django's dictConfig replaces the root handlers when it runs: attach (again) before each test.
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)


def pytest_sessionfinish(session, exitstatus):
    if _handler.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _handler.leaks:
        terminalreporter.section("patient data in the logs", red=True)
        for leak in _handler.leaks[:50]:
            terminalreporter.line(leak)
