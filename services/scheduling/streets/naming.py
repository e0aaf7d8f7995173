"""How the street importer names the districts it computes (no heavy imports: the CLI reads this to offer
the choice). The rules are in ``importer``'s docstring and README's "Other cities"."""

from __future__ import annotations

DISTRICT_NAMINGS = ("data", "street", "compass-en", "compass-nl")
"""data: OSM places, then the addresses' suburbs, then the longest street; street: the longest street;
compass-en / compass-nl: the direction from the centre in English or Dutch."""
DEFAULT_DISTRICT_NAMING = "data"
