"""Card merchants by ISO 18245 merchant category code (MCC), and what a purchase costs.

A row is ``(mcc, weight, cost factor, merchants)``: the weight sets how often the
category is drawn, the factor how expensive a purchase is relative to the customer's
average ticket. Home-improvement categories (5200 home supply, 5211 lumber) only appear
for HOMEOWNER customers, so they are a clean signal for home-related offers.
"""

from __future__ import annotations

from itertools import accumulate

__all__ = ["Category", "Table", "foreign_merchant", "table_for"]

Category = tuple[str, float, float, tuple[str, ...]]
# (categories, cumulative weights, mean cost factor)
Table = tuple[tuple[Category, ...], tuple[float, ...], float]

_EVERYDAY: tuple[Category, ...] = (
    (
        "5411",
        34,
        1.0,
        ("Supermarché du Centre", "Épicerie Martin", "Hyper Économie", "Marché Frais"),
    ),
    ("5812", 13, 1.2, ("Brasserie du Port", "Le Petit Bistrot", "Restaurant La Table")),
    ("5462", 9, 0.25, ("Boulangerie Dupain", "Pâtisserie Lenoir")),
    ("5541", 8, 1.5, ("Station Service Nord", "Carburants Express")),
    ("5912", 5, 0.6, ("Pharmacie Centrale", "Pharmacie du Marché")),
    ("5651", 6, 1.8, ("Boutique Mode", "Vêtements Durand")),
    ("5311", 5, 1.5, ("Grand Magasin Lumière",)),
    ("5732", 2, 4.0, ("Électro Discount",)),
    ("4111", 6, 0.4, ("Transports Urbains", "Rail Express Voyages")),
    ("5999", 6, 0.8, ("Bazar du Coin",)),
    ("4511", 1, 5.0, ("Air Hexagone",)),
)
_HOME: tuple[Category, ...] = (
    ("5200", 4, 2.5, ("Brico Maison", "Jardin & Maison")),
    ("5211", 2, 3.0, ("Bois & Matériaux",)),
)
_BUSINESS: tuple[Category, ...] = (
    ("5943", 30, 1.0, ("Bureau Fournitures",)),
    ("5541", 25, 1.2, ("Station Service Nord",)),
    ("5812", 25, 1.0, ("Brasserie du Port",)),
    ("4511", 5, 5.0, ("Air Hexagone",)),
    ("7399", 15, 2.0, ("Services Pro Express",)),
)
_TRAVEL: tuple[Category, ...] = (
    ("7011", 3, 4.0, ("Hotel Central",)),
    ("5812", 5, 1.3, ("Restaurant",)),
    ("4121", 2, 0.6, ("Taxi",)),
    ("5411", 2, 0.8, ("Market",)),
)
_CITIES = {
    "ES": "Madrid",
    "IT": "Roma",
    "PT": "Lisboa",
    "DE": "Berlin",
    "GB": "London",
    "GR": "Athina",
    "MA": "Marrakech",
    "US": "New York",
}


def _table(categories: tuple[Category, ...]) -> Table:
    total = sum(c[1] for c in categories)
    mean = sum(c[1] * c[2] for c in categories) / total
    return categories, tuple(accumulate(c[1] for c in categories)), mean


_TABLES = {
    "person": _table(_EVERYDAY),
    "homeowner": _table(_EVERYDAY + _HOME),
    "business": _table(_BUSINESS),
    "travel": _table(_TRAVEL),
}


def table_for(kind: str) -> Table:
    """The table for "person", "homeowner", "business" or "travel" spending."""
    return _TABLES[kind]


def foreign_merchant(name: str, country: str) -> str:
    """A merchant name located in `country` (e.g. "Hotel Central Lisboa")."""
    return f"{name} {_CITIES.get(country, country)}"


def airline(country: str) -> str:
    """The airline selling tickets to `country`."""
    return f"Fly {_CITIES.get(country, country)} Airways"
