"""Neutralise spreadsheet formulas in CSV files we write (CSV/formula injection, OWASP).

A cell starting with = + - @ (or a tab / carriage return that some spreadsheets skip) is
run as a formula when the file is opened: `=HYPERLINK(...)` in a name would leak data.
Prefixing a quote makes it plain text; the value stays readable.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Return `value`, prefixed with `'` when it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
