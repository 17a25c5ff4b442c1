"""Customers: who they are, generated one at a time from (seed, index).

Each customer draws from its own ``random.Random(f"{seed}:c:{index}")``, so customer
12345 of a 100,000-customer bank costs the same as customer 0 and never depends on the
others. Identifiers:

- customer number: ``str(100_000_000 + index)``, nine digits (index < 900,000,000);
- e-mail: ``first.last.<index>@example.com`` (RFC 2606 domain, unique per customer);
- mobile: ``+3363998NNNN``, in the ARCEP range reserved for fiction (06 39 98 xx xx),
  so no real subscriber is ever messaged; not unique.

``created_at`` rises strictly with the index (ordering by creation equals index order);
every customer exists before the history window starts. ``customer_since`` may be earlier
than ``created_at``: relationships migrated from a legacy core keep their start date.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from xsell_connect_mocks.bank.specs import BankConfig, Channel, CustomerSpec, Persona
from xsell_connect_mocks.bank.timeline import add_months, bank_zone, window_start

__all__ = ["NUMBER_BASE", "age_on", "make_customer"]

NUMBER_BASE = 100_000_000
_T = TypeVar("_T")

_MALE = ("Adrien", "Alexandre", "Antoine", "Arthur", "Baptiste", "Benoît", "Bruno", "Camille",
         "Christophe", "Clément", "Damien", "David", "Éric", "Étienne", "Fabien", "François",
         "Gabriel", "Guillaume", "Hugo", "Jean", "Julien", "Laurent", "Louis", "Lucas",
         "Marc", "Mathieu", "Maxime", "Nicolas", "Olivier", "Paul", "Philippe", "Pierre",
         "Quentin", "Raphaël", "Sébastien", "Stéphane", "Thomas", "Vincent", "Xavier",
         "Yves")  # fmt: skip
_FEMALE = ("Agathe", "Alice", "Amélie", "Anne", "Aurélie", "Béatrice", "Camille", "Caroline",
           "Céline", "Chloé", "Claire", "Élodie", "Emma", "Florence", "Hélène", "Inès",
           "Isabelle", "Jeanne", "Juliette", "Julie", "Laura", "Léa", "Louise", "Lucie",
           "Manon", "Margaux", "Marie", "Mathilde", "Nathalie", "Océane", "Pauline",
           "Sandrine", "Sarah", "Sophie", "Stéphanie", "Valérie", "Véronique", "Virginie",
           "Zoé", "Élise")  # fmt: skip
_LAST = {
    "FR": ("Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
           "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David",
           "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
           "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc",
           "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier",
           "Garcia", "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel",
           "Mathieu", "Gautier", "Masson"),
    "BE": ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"),
    "ES": ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez"),
    "IT": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
    "PT": ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues"),
}  # fmt: skip
_LANGUAGE = {"FR": "fr", "BE": "fr", "DE": "de", "ES": "es", "IT": "it", "PT": "pt"}
_NATIONALITIES = ("FR", "BE", "DE", "ES", "IT", "PT")
_NATIONALITY_WEIGHTS = (85, 3, 3, 3, 3, 3)
_ABROAD = {"BE": ("Bruxelles", "1000"), "DE": ("Berlin", "10115"), "ES": ("Madrid", "28001")}
# Branch code -> (city, postcodes); relationship managers are numbered per branch.
BRANCHES = {
    "PAR01": ("Paris", tuple(f"750{n:02d}" for n in range(1, 21))),
    "PAR02": ("Boulogne-Billancourt", ("92100",)),
    "LYO01": ("Lyon", tuple(f"6900{n}" for n in range(1, 10))),
    "MRS01": ("Marseille", tuple(f"130{n:02d}" for n in range(1, 17))),
    "BDX01": ("Bordeaux", ("33000", "33100", "33200", "33300", "33800")),
    "LIL01": ("Lille", ("59000", "59160", "59260", "59777", "59800")),
    "NTE01": ("Nantes", ("44000", "44100", "44200", "44300")),
}
_BRANCH_CODES = tuple(BRANCHES)
_BRANCH_WEIGHTS = (30, 10, 16, 14, 10, 10, 10)
_STREETS = ("rue de la République", "avenue Victor-Hugo", "rue Pasteur", "boulevard Voltaire",
            "rue des Écoles", "place de la Mairie", "rue du Moulin", "allée des Tilleuls",
            "chemin des Vignes", "rue Jean-Jaurès", "impasse des Lilas",
            "quai de la Loire")  # fmt: skip
_TRADES = ("Boulangerie", "Garage", "Cabinet", "Atelier", "Transports", "Conseil",
           "Menuiserie", "Pharmacie", "Restaurant", "Librairie", "Imprimerie",
           "Fromagerie")  # fmt: skip
_LEGAL = ("SARL", "SAS", "EURL", "SA")
_CHANNELS = tuple(Channel)
_CHANNEL_WEIGHTS = (35, 15, 25, 10, 5, 10)
# Persona draw weights; DRIFTING customers drift away, so they keep only a term deposit.
_PERSON_PERSONAS = {
    Persona.SALARIED: 9.0, Persona.SAVER: 2.0, Persona.OVERDRAFT_PRONE: 1.5,
    Persona.CARD_HEAVY: 1.5, Persona.BORROWER: 1.5, Persona.HOMEOWNER: 1.5,
    Persona.TERM_DEPOSITOR: 1.0, Persona.LARGE_DEPOSIT: 0.6, Persona.TRAVELLER: 1.0,
    Persona.DRIFTING: 0.7, Persona.LOAN_REPAID: 0.6,
}  # fmt: skip
_ORG_PERSONAS = {
    Persona.SAVER: 2.0, Persona.OVERDRAFT_PRONE: 1.5, Persona.TERM_DEPOSITOR: 1.5,
    Persona.LARGE_DEPOSIT: 1.0, Persona.DRIFTING: 0.7,
}  # fmt: skip
_CONFLICTS = {
    Persona.DRIFTING: frozenset(Persona) - {Persona.DRIFTING, Persona.TERM_DEPOSITOR},
    Persona.SAVER: frozenset({Persona.OVERDRAFT_PRONE}),
    Persona.OVERDRAFT_PRONE: frozenset({Persona.LARGE_DEPOSIT}),
}


def age_on(birth: date, day: date) -> int:
    """Whole years from `birth` to `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def make_customer(config: BankConfig, index: int) -> CustomerSpec:
    """Customer `index` of the bank described by `config`."""
    rng = random.Random(f"{config.seed}:c:{index}")
    created_at = _created_at(config, index, rng)
    organisation = rng.random() < 0.08
    nationality = "FR" if organisation else _pick(rng, _NATIONALITIES, _NATIONALITY_WEIGHTS)
    residency = config.country
    if not organisation and rng.random() < 0.05:
        residency = rng.choice(tuple(_ABROAD))
    branch = _pick(rng, _BRANCH_CODES, _BRANCH_WEIGHTS)
    city, postcodes = BRANCHES[branch]
    postcode = rng.choice(postcodes)
    if residency != config.country:
        city, postcode = _ABROAD[residency]
    address = f"{rng.randint(1, 180)} {rng.choice(_STREETS)}"
    preferred = _pick(rng, _CHANNELS, _CHANNEL_WEIGHTS)
    consents = tuple((c, c is preferred or rng.random() < 0.55) for c in _CHANNELS)
    kyc = _pick(rng, ("VERIFIED", "PENDING", "EXPIRED"), (90, 6, 4))
    manager = f"RM{_BRANCH_CODES.index(branch) * 6 + rng.randint(1, 6):03d}"
    language = "en" if rng.random() < 0.03 else _LANGUAGE[nationality]
    first = middle = last = organisation_name = gender = ""
    birth: date | None = None
    if organisation:
        organisation_name = f"{rng.choice(_TRADES)} {rng.choice(_LAST['FR'])} {rng.choice(_LEGAL)}"
        segment, adult_on = "SME", None
        email = f"contact.{_slug(organisation_name)}.{index}@example.com"
        personas = _personas(rng, _ORG_PERSONAS, young=False, retired=False)
    else:
        gender = "FEMALE" if rng.random() < 0.51 else "MALE"
        firsts = _FEMALE if gender == "FEMALE" else _MALE
        first = rng.choice(firsts)
        middle = rng.choice(firsts) if rng.random() < 0.2 else ""
        last = rng.choice(_LAST[nationality])
        age = rng.randint(18, 25) if rng.random() < 0.15 else round(rng.triangular(26, 85, 45))
        birth = add_months(config.as_of, -12 * age) - timedelta(days=rng.randint(0, 364))
        adult_on = add_months(birth, 18 * 12)
        segment = _pick(rng, ("MASS", "AFFLUENT", "PRIVATE"), (70, 22, 8))
        email = f"{_slug(first)}.{_slug(last)}.{index}@example.com"
        personas = _personas(rng, _PERSON_PERSONAS, young=age <= 25, retired=age >= 64)
    return CustomerSpec(
        index=index,
        number=str(NUMBER_BASE + index),
        kind="ORGANISATION" if organisation else "PERSON",
        first_name=first,
        middle_name=middle,
        last_name=last,
        organisation_name=organisation_name,
        birth_date=birth,
        gender=gender,
        segment=segment,
        branch=branch,
        kyc_status=kyc,
        relationship_manager=manager,
        customer_since=_since(rng, created_at.date(), adult_on),
        email=email,
        mobile=f"+3363998{index % 10_000:04d}",
        address_line=address,
        city=city,
        postcode=postcode,
        country=residency,
        nationality=nationality,
        residency=residency,
        language=language,
        preferred_channel=preferred,
        consents=consents,
        personas=personas,
        created_at=created_at,
    )


def _created_at(config: BankConfig, index: int, rng: random.Random) -> datetime:
    first = datetime.combine(add_months(config.as_of, -12 * 12), time(9, 0))
    last = datetime.combine(window_start(config) - timedelta(days=30), time(9, 0))
    step = (last - first) / max(config.customers, 1)
    # Jitter stays inside the customer's own slot, so creation order is index order.
    moment = first + step * (index + rng.random() * 0.9)
    return moment.replace(microsecond=0, tzinfo=bank_zone(config.timezone))


def _since(rng: random.Random, created: date, adult_on: date | None) -> date:
    if rng.random() >= 0.3:
        return created
    migrated = created - timedelta(days=rng.randint(30, 8 * 365))
    return max(migrated, adult_on) if adult_on is not None and adult_on < created else created


def _personas(
    rng: random.Random, weights: dict[Persona, float], *, young: bool, retired: bool
) -> frozenset[Persona]:
    pool = dict(weights)
    if young:
        pool.pop(Persona.HOMEOWNER, None)
    if retired:
        pool.pop(Persona.SALARIED, None)
    chosen: set[Persona] = set()
    for _ in range(_pick(rng, (1, 2, 3), (35, 45, 20))):
        if not pool:
            break
        persona = _pick(rng, tuple(pool), tuple(pool.values()))
        chosen.add(persona)
        for gone in {persona} | _CONFLICTS.get(persona, frozenset()):
            pool.pop(gone, None)
        for other, conflicts in _CONFLICTS.items():
            if persona in conflicts:
                pool.pop(other, None)
    return frozenset(chosen)


def _pick(rng: random.Random, items: tuple[_T, ...], weights: tuple[float, ...]) -> _T:
    # One draw and a short scan: `Random.choices` builds lists, and this runs ~8 times
    # per customer.
    draw = rng.random() * sum(weights)
    for item, weight in zip(items, weights, strict=True):
        draw -= weight
        if draw < 0:
            return item
    return items[-1]


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(plain.lower().replace("'", " ").split())
