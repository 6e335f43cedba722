"""A realistic, reproducible French demo population for `seed_demo`.

Several thousand identities across two facilities, with the hard cases a
referent meets: duplicates (typos, used name typed as birth name, missing NIR),
homonyms, twins, incomplete birth dates, people born abroad, and the CNDA test
identities of the INS reference (with no INS yet, so that INSi can be tried).
"""

from __future__ import annotations

import random
from dataclasses import replace

from identities.rules.identity import CleanIdentity
from identities.rules.nir import nir_key

SURNAMES = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY ROUX "
    "DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFEVRE FAURE "
    "ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT "
    "MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOEL MEYER "
    "DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIERE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD "
    "ROCHE RENARD SCHMITT ROY LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX "
    "OLIVIER PHILIPPE BOURGEOIS PIERRE BENOIT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN "
    "DUPUY GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER "
    "FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER MARTY AUBRY GUYOT CARRE CHARLES RENAULT CHARPENTIER MENARD "
    "MAILLARD BARON BERTIN BAILLY HERVE SCHNEIDER FERNANDEZ LE-GALL COLLET LEGER BOUVIER JULIEN PREVOST MILLET "
    "PERROT DANIEL LE-ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS REMY LE-GOFF PELLETIER LEVEQUE PERRIER LEBLANC "
    "D'ALMEIDA N'DIAYE DE-LA-FONTAINE LE-BRIS TRAORE DIALLO BENALI HADDAD NGUYEN DOS-SANTOS"
).split()
MALE_NAMES = (
    "JEAN PIERRE MICHEL ANDRE PHILIPPE RENE LOUIS ALAIN JACQUES BERNARD MARCEL DANIEL ROGER ROBERT PAUL CLAUDE "
    "CHRISTIAN HENRI GEORGES NICOLAS FRANCOIS PATRICK GERARD CHRISTOPHE JOSEPH JULIEN ERIC DAVID LAURENT "
    "FREDERIC STEPHANE PASCAL SEBASTIEN THOMAS ALEXANDRE OLIVIER THIERRY LUCAS HUGO THEO LEO GABRIEL RAPHAEL "
    "ARTHUR LOUIS-MARIE JEAN-PIERRE JEAN-CLAUDE JEAN-LUC MOHAMED KARIM YANNICK MAXIME ANTOINE"
).split()
FEMALE_NAMES = (
    "MARIE JEANNE FRANCOISE MONIQUE CATHERINE NATHALIE ISABELLE JACQUELINE ANNE SYLVIE MARTINE MADELEINE "
    "NICOLE SUZANNE HELENE CHRISTINE MARGUERITE DENISE LOUISE CHRISTIANE YVONNE SOPHIE VALERIE SANDRINE "
    "STEPHANIE CELINE JULIE AURELIE EMMA JADE LOUISE ALICE CHLOE LINA LEA MANON CAMILLE INES SARAH ZOE "
    "ANNE-SOPHIE MARIE-CLAIRE MARIE-THERESE FATIMA AMINA CLAIRE ELODIE LAURE AGATHE"
).split()
# Birth places: communes of several departments (Paris, Lyon, Marseille, Corsica, Réunion) and countries.
COMMUNES = ("75056 75115 69123 13055 33063 31555 59350 67482 44109 34172 35238 63113 63220 2A004 2B033 97411 "
            "06088 76540 38185 21231 29019 87085 80021 25056 54395").split()
COUNTRIES = ("99134 99109 99350 99352 99351 99139 99127 99131 99243 99132 99341 99322 99216").split()
CITIES = {"75": ("75013", "PARIS"), "69": ("69003", "LYON"), "13": ("13005", "MARSEILLE"), "33": ("33000", "BORDEAUX")}
STREETS = ("rue de la République", "avenue Jean Jaurès", "place de la Mairie", "rue Victor Hugo", "chemin des Vignes",
           "boulevard Pasteur", "rue du Général de Gaulle", "allée des Tilleuls")

CNDA_IDENTITIES = (
    CleanIdentity("ADRUN", "ZOE", "ZOE", "1975-12-31", "F", "63220"),
    CleanIdentity("ADRDEUX", "LAURENT", "LAURENT", "1981-01-01", "M", "63220"),
    CleanIdentity("ADRTROIS", "DOMINIQUE", "DOMINIQUE", "1997-02-26", "F", "2A020"),
    CleanIdentity("ADRTROIS", "TOUSSAINT", "TOUSSAINT", "1960-01-01", "M", "2B020"),
    CleanIdentity("D'ARTAGNAN DE L'HERAULT", "PIERRE-ALAIN MURIEL FLORIANT", "PIERRE-ALAIN", "2001-06-17", "M",
                  "63220"),
    CleanIdentity("ECETINSI", "PIERRE-ALAIN MURIEL FLORIANT", "PIERRE-ALAIN", "2009-07-14", "M", "63220"),
    CleanIdentity("PROVISOIRE", "MATRICULE", "MATRICULE", "2009-07-01", "M", "63220"),
    CleanIdentity("DE VINCI", "LEONARDO", "LEONARDO", "2014-02-01", "M", "63220"),
    CleanIdentity("TCHITCHI", "OLA CATARINA BELLA", "OLA", "1936-06-21", "F", "63220"),
    CleanIdentity("HOUILLES", "PIERRE PAUL JACQUES", "PIERRE", "1993-01-27", "M", ""),
    CleanIdentity("CORSE", "ANTHONY", "ANTHONY", "1980-03-02", "M", "2B020"),
    CleanIdentity("NESSI", "MICHELANGELO ANTHONY", "MICHELANGELO", "2010-08-07", "M", "63220"),
    CleanIdentity("NESSI", "NATHALIE", "NATHALIE", "1977-07-14", "F", "63220"),
)


class DemoPopulation:
    """Draws identities from a seeded random generator; each method returns CleanIdentity values."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.order = 0

    def person(self, *, sex: str | None = None, surname: str | None = None, birth_date: str | None = None,
               place: str | None = None) -> CleanIdentity:
        rng = self.rng
        sex = sex or rng.choice("MF")
        names = MALE_NAMES if sex == "M" else FEMALE_NAMES
        first_names = " ".join(dict.fromkeys(rng.sample(names, rng.choice((1, 1, 2, 3)))))
        birth_date = birth_date or f"{rng.randint(1925, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        place = place or (rng.choice(COUNTRIES) if rng.random() < 0.12 else rng.choice(COMMUNES))
        surname = surname or rng.choice(SURNAMES).replace("-", " ", 1 if rng.random() < 0.5 else 0)
        used_name = rng.choice(SURNAMES) if sex == "F" and rng.random() < 0.3 and birth_date < "2000" else ""
        postcode, city = CITIES.get(place[:2], ("63000", "CLERMONT-FERRAND"))
        return CleanIdentity(
            birth_name=surname, first_names=first_names, first_name=first_names.split()[0], birth_date=birth_date,
            sex=sex, birth_place=place, used_name=used_name, nir=self.nir(sex, birth_date, place),
            address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}", postcode=postcode, city=city)

    def nir(self, sex: str, birth_date: str, place: str) -> str:
        if self.rng.random() < 0.15:
            return ""  # NIR not collected
        self.order += 1
        month = birth_date[5:7] if birth_date[5:7] != "00" else "20"
        matricule = f"{'1' if sex == 'M' else '2'}{birth_date[2:4]}{month}{place}{self.order % 999 + 1:03d}"
        return matricule + nir_key(matricule)

    def incomplete_date(self, person: CleanIdentity) -> CleanIdentity:
        year = person.birth_date[:4]
        date = f"{year}-00-00" if self.rng.random() < 0.5 else f"{person.birth_date[:7]}-00"
        return replace(person, birth_date=date, nir="")

    def duplicate(self, person: CleanIdentity) -> CleanIdentity:
        """The same person typed again: a typo, the used name as birth name, a missing NIR or first names."""
        kind = self.rng.choice(("typo", "used_name", "no_nir", "first_name_only", "swap_day_month"))
        if kind == "typo" and len(person.birth_name) > 4:
            i = self.rng.randrange(1, len(person.birth_name) - 1)
            name = person.birth_name
            if name[i].isalpha() and name[i + 1].isalpha():
                return replace(person, birth_name=name[:i] + name[i + 1] + name[i] + name[i + 2:])
        if kind == "used_name" and person.used_name:
            return replace(person, birth_name=person.used_name, used_name="", nir="")
        if kind == "first_name_only":
            return replace(person, first_names=person.first_name)
        if kind == "swap_day_month" and int(person.birth_date[8:]) <= 12:
            y, m, d = person.birth_date.split("-")
            return replace(person, birth_date=f"{y}-{d}-{m}")
        return replace(person, nir="")

    def twins(self) -> tuple[CleanIdentity, CleanIdentity]:
        first = self.person()
        second = self.person(surname=first.birth_name, birth_date=first.birth_date, place=first.birth_place)
        return first, replace(second, address=first.address, postcode=first.postcode, city=first.city)

    def homonym(self, person: CleanIdentity) -> CleanIdentity:
        other = self.person(sex=person.sex, surname=person.birth_name)
        return replace(other, first_names=person.first_names, first_name=person.first_name)
