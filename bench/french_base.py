"""A realistic French identity base with known truth, for the matching benchmarks.

Households of parents and children (so twins, father/son with the same first
name and siblings occur), homonyms born the same day in another town, and
duplicates with the errors admission desks make: typos, phonetic spellings,
married name typed as birth name, day/month swapped, a wrong digit, 01/01 for
an unknown date, incomplete dates, missing NIR, a parent's NIR, another first
name, a new address. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SURNAMES = """MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY ROUX
DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFEVRE FAURE ANDRE
MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN NICOLAS
HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOEL MEYER DUFOUR MEUNIER BRUN
BLANCHARD GIRAUD JOLY RIVIERE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD ROCHE RENARD SCHMITT ROY
LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE
BENOIT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER
SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER
MARTY AUBRY GUYOT CARRE CHARLES RENAULT CHARPENTIER MENARD MAILLARD BARON BERTIN BAILLY HERVE SCHNEIDER FERNANDEZ
LE_GALL COLLET LEGER BOUVIER JULIEN PREVOST MILLET PERROT DANIEL LE_ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS
REMY LE_GOFF PELLETIER LEVEQUE PERRIER LEBLANC BARRE LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER
MICHAUD RODRIGUEZ GUICHARD GILLET ETIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN DA_SILVA BOUCHET GAY
LEMAITRE BENARD MARECHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET BARTHELEMY CORDIER PICHON LEJEUNE GILBERT LAMY
DELAUNAY PASQUIER CARLIER LAPORTE DE_LA_FONTAINE D_ARTAGNAN NGUYEN DIALLO TRAORE BENHAMOU HADDAD""".split()
MALE = """JEAN PIERRE MICHEL ANDRE PHILIPPE RENE LOUIS ALAIN JACQUES BERNARD MARCEL DANIEL ROGER ROBERT PAUL CLAUDE
CHRISTIAN HENRI GEORGES NICOLAS FRANCOIS PATRICK GERARD CHRISTOPHE JOSEPH JULIEN MAURICE LUCIEN FREDERIC LAURENT
STEPHANE DAVID PASCAL ERIC GILBERT YVES THIERRY ROLAND RAYMOND SEBASTIEN MARC GUY THOMAS ALEXANDRE OLIVIER DOMINIQUE
VINCENT MAXIME ANTOINE HUGO LUCAS LEO GABRIEL RAPHAEL ARTHUR NATHAN ENZO MATHIS THEO JEAN-PIERRE JEAN-LUC
JEAN-MARC MOHAMED KEVIN ROMAIN GAUTHIER MATHIEU""".split()
FEMALE = """MARIE JEANNE FRANCOISE MONIQUE CATHERINE NATHALIE ISABELLE JACQUELINE ANNE SYLVIE MARTINE MADELEINE NICOLE
SUZANNE HELENE CHRISTINE MARGUERITE DENISE LOUISE CHRISTIANE YVONNE SOPHIE VALERIE JULIE SANDRINE STEPHANIE CELINE
CAROLINE AURELIE CHANTAL PATRICIA EMMA JADE LOUISE ALICE CHLOE LEA MANON ROSE ANNA INES CAMILLE LINA MILA AMBRE
LEONIE JULIETTE ZOE LUCIE MARIE-CLAIRE ANNE-SOPHIE MARIE-THERESE AGNES GENEVIEVE ELODIE EMILIE LAURA SARAH
OCEANE""".split()
PLACES = ("75056 69123 13055 31555 06088 44109 67482 34172 33063 59350 35238 51454 76351 42218 83137 38185 21231 "
          "49007 30189 63113 97411 2A004 92012 93066 94028 99350 99352 99351 99134 99139").split()
STREETS = ["RUE DE LA REPUBLIQUE", "AVENUE JEAN JAURES", "RUE VICTOR HUGO", "PLACE DE LA MAIRIE", "RUE DES ECOLES",
           "BOULEVARD GAMBETTA", "RUE PASTEUR", "CHEMIN DES VIGNES", "ALLEE DES TILLEULS", "RUE DU MOULIN",
           "IMPASSE DES LILAS", "RUE DE LA GARE", "AVENUE DU GENERAL DE GAULLE", "RUE NATIONALE", "RUE DE PARIS"]
TOWNS = [("75011", "PARIS"), ("69003", "LYON"), ("13008", "MARSEILLE"), ("31000", "TOULOUSE"), ("44000", "NANTES"),
         ("33000", "BORDEAUX"), ("59000", "LILLE"), ("67000", "STRASBOURG"), ("35000", "RENNES"), ("63000",
         "CLERMONT-FERRAND"), ("21000", "DIJON"), ("38000", "GRENOBLE")]
# Spellings of the same sound, as typed at admission desks (both directions used).
PHONETIC = [("PH", "F"), ("TH", "T"), ("AU", "O"), ("EAU", "O"), ("Y", "I"), ("LL", "L"), ("NN", "N"), ("TT", "T"),
            ("SS", "S"), ("C", "K"), ("QU", "K"), ("EI", "AI"), ("D", "T"), ("FF", "F"), ("MM", "M"), ("BV", "V")]


@dataclass
class Person:
    pid: int
    name: str
    firsts: list[str]
    sex: str
    date: str
    place: str
    nir: str
    address: tuple[str, str, str]
    used_name: str = ""
    covered_by: str = ""  # the NIR on the card used at admission (a parent's for a child)
    records: list[dict[str, str]] = field(default_factory=list)


def nir_for(rng: random.Random, sex: str, date: str, place: str) -> str:
    matricule = f"{1 if sex == 'M' else 2}{date[2:4]}{date[5:7]}{place}{rng.randint(1, 999):03d}"
    digits = matricule.replace("2A", "19").replace("2B", "18")
    return matricule + f"{97 - int(digits) % 97:02d}"


def _date(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _firsts(rng: random.Random, sex: str) -> list[str]:
    pool = MALE if sex == "M" else FEMALE
    return rng.sample(pool, rng.choice([1, 1, 2, 2, 3]))


def _name(raw: str) -> str:
    return raw.replace("_", " ").replace("D ARTAGNAN", "D'ARTAGNAN")


def households(rng: random.Random, count: int) -> list[Person]:
    people: list[Person] = []

    def add(**kw: object) -> Person:
        person = Person(pid=len(people), **kw)  # type: ignore[arg-type]
        people.append(person)
        return person

    for _ in range(count):
        name = _name(rng.choice(SURNAMES))
        postcode, city = rng.choice(TOWNS)
        address = (f"{rng.randint(1, 120)} {rng.choice(STREETS)}", postcode, city)
        f_year = rng.randint(1940, 1995)
        f_date, f_place = _date(rng, f_year), rng.choice(PLACES)
        father = add(name=name, firsts=_firsts(rng, "M"), sex="M", date=f_date, place=f_place,
                     nir=nir_for(rng, "M", f_date, f_place), address=address)
        mother = None
        if rng.random() < 0.8:
            m_date, m_place = _date(rng, f_year + rng.randint(-5, 5)), rng.choice(PLACES)
            mother = add(name=_name(rng.choice(SURNAMES)), firsts=_firsts(rng, "F"), sex="F", date=m_date,
                         place=m_place, nir=nir_for(rng, "F", m_date, m_place), address=address, used_name=name)
        year = f_year + rng.randint(20, 35)
        for _child in range(rng.choice([0, 1, 2, 2, 3])):
            if year > 2024:
                break
            sex, c_date, c_place = rng.choice("MF"), _date(rng, year), rng.choice(PLACES)
            firsts = _firsts(rng, sex)
            if sex == "M" and rng.random() < 0.25:
                firsts = [father.firsts[0], *firsts[1:]]  # the son carries his father's first name
            child = add(name=name, firsts=firsts, sex=sex, date=c_date, place=c_place,
                        nir=nir_for(rng, sex, c_date, c_place), address=address,
                        covered_by=rng.choice([father, mother or father]).nir if year >= 2005 else "")
            if rng.random() < 0.12:  # twins: same day, same place, another first name
                t_sex = rng.choice("MF")
                t_firsts = [f for f in _firsts(rng, t_sex) if f != firsts[0]] or ["CAMILLE"]
                add(name=name, firsts=t_firsts, sex=t_sex, date=c_date, place=c_place,
                    nir=nir_for(rng, t_sex, c_date, c_place), address=address, covered_by=child.covered_by)
            year += rng.randint(1, 6)
    for _ in range(count // 50):  # homonyms born the same day elsewhere
        model = rng.choice(people)
        place = rng.choice([p for p in PLACES if p != model.place])
        postcode, city = rng.choice(TOWNS)
        add(name=model.name, firsts=list(model.firsts[:1]), sex=model.sex, date=model.date, place=place,
            nir=nir_for(rng, model.sex, model.date, place),
            address=(f"{rng.randint(1, 120)} {rng.choice(STREETS)}", postcode, city))
    return people


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text))
    kind = rng.random()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if kind < 0.35:
        return text[:i] + rng.choice(letters) + text[i + 1:]
    if kind < 0.6:
        return text[:i] + text[i + 1:]
    if kind < 0.8 and i < len(text) - 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + rng.choice(letters) + text[i:]


def phonetic_variant(rng: random.Random, text: str) -> str:
    options = [(a, b) for a, b in PHONETIC if a in text] + [(b, a) for a, b in PHONETIC if b in text and len(b) > 1]
    if not options:
        return typo(rng, text)
    a, b = rng.choice(options)
    return text.replace(a, b, 1)


def _record(p: Person, copy: int) -> dict[str, str]:
    return {"source_id": f"F{p.pid:06d}-{copy}", "birth_name": p.name, "first_names": " ".join(p.firsts),
            "sex": p.sex, "birth_date": p.date, "birth_place": p.place, "used_name": p.used_name,
            "used_first_name": "", "nir": p.covered_by or p.nir, "address": p.address[0], "postcode": p.address[1],
            "city": p.address[2]}


def _corrupt(rng: random.Random, p: Person, r: dict[str, str]) -> None:
    """One or two usual admission errors on a copy of a record."""
    errors = rng.sample(ERRORS, rng.choice([1, 1, 2]))
    for error in errors:
        error(rng, p, r)


def _e_name_typo(rng, p, r): r["birth_name"] = typo(rng, r["birth_name"])
def _e_name_phon(rng, p, r): r["birth_name"] = phonetic_variant(rng, r["birth_name"])
def _e_first_typo(rng, p, r): r["first_names"] = " ".join([typo(rng, p.firsts[0]), *p.firsts[1:]])
def _e_first_phon(rng, p, r): r["first_names"] = " ".join([phonetic_variant(rng, p.firsts[0]), *p.firsts[1:]])
def _e_first_other(rng, p, r): r["first_names"] = " ".join(p.firsts[1:] or p.firsts)
def _e_used_as_birth(rng, p, r):
    if p.used_name:
        r["birth_name"], r["used_name"] = p.used_name, ""
def _e_swap(rng, p, r):
    y, m, d = r["birth_date"].split("-")
    if int(d) <= 12:
        r["birth_date"] = f"{y}-{d}-{m}"
def _e_date_digit(rng, p, r):
    y, m, d = r["birth_date"].split("-")
    r["birth_date"] = f"{y}-{m}-{max(1, min(28, int(d) + rng.choice([-1, 1, 10, -10]))):02d}"
def _e_default(rng, p, r): r["birth_date"] = r["birth_date"][:4] + "-01-01"
def _e_partial(rng, p, r): r["birth_date"] = r["birth_date"][:4] + "-00-00"
def _e_no_nir(rng, p, r): r["nir"] = ""
def _e_parent_nir(rng, p, r): r["nir"] = p.covered_by or r["nir"]
def _e_own_nir(rng, p, r): r["nir"] = p.nir
def _e_no_place(rng, p, r): r["birth_place"] = rng.choice(["", "99999"])
def _e_moved(rng, p, r):
    postcode, city = rng.choice(TOWNS)
    r["address"], r["postcode"], r["city"] = f"{rng.randint(1, 120)} {rng.choice(STREETS)}", postcode, city
def _e_no_sex(rng, p, r): r["sex"] = ""


ERRORS = [_e_name_typo, _e_name_phon, _e_first_typo, _e_first_phon, _e_first_other, _e_used_as_birth,
          _e_used_as_birth, _e_swap, _e_date_digit, _e_default, _e_partial, _e_no_nir, _e_no_nir, _e_parent_nir,
          _e_own_nir, _e_no_place, _e_moved, _e_moved, _e_no_sex]


def french_base(households_count: int = 3000, seed: int = 7, duplicate_rate: float = 0.3
                ) -> tuple[list[dict[str, str]], set[frozenset[str]]]:
    """Records per the CSV contract and the set of true duplicate pairs (by source_id)."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    truth: set[frozenset[str]] = set()
    for person in households(rng, households_count):
        copies = [_record(person, 0)]
        for n in range(1, 1 + (rng.choice([1, 1, 1, 2]) if rng.random() < duplicate_rate else 0)):
            record = _record(person, n)
            _corrupt(rng, person, record)
            copies.append(record)
        rows += copies
        truth |= {frozenset((a["source_id"], b["source_id"])) for i, a in enumerate(copies) for b in copies[i + 1:]}
    rng.shuffle(rows)
    return rows, truth
