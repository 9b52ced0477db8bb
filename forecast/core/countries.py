"""Country names and ISO 3166 numeric codes to ISO3, for the countries our sources cover.

Small on purpose: the Sahel, its neighbours and the holdout country (CAR), plus the few others
that appear in the Wagner export. Unknown countries keep the source's own name.
"""

from __future__ import annotations

from typing import Final

ISO3_BY_NUMERIC: Final[dict[int, str]] = {
    12: "DZA",
    112: "BLR",
    120: "CMR",
    140: "CAF",
    148: "TCD",
    180: "COD",
    204: "BEN",
    270: "GMB",
    288: "GHA",
    324: "GIN",
    384: "CIV",
    434: "LBY",
    466: "MLI",
    478: "MRT",
    508: "MOZ",
    562: "NER",
    566: "NGA",
    624: "GNB",
    686: "SEN",
    728: "SSD",
    729: "SDN",
    768: "TGO",
    804: "UKR",
    854: "BFA",
}

# Keys lower-case; includes UCDP's spellings ("DR Congo (Zaire)", "Ivory Coast").
ISO3_BY_NAME: Final[dict[str, str]] = {
    "algeria": "DZA",
    "belarus": "BLR",
    "benin": "BEN",
    "burkina faso": "BFA",
    "cameroon": "CMR",
    "central african republic": "CAF",
    "chad": "TCD",
    "cote d'ivoire": "CIV",
    "côte d'ivoire": "CIV",
    "ivory coast": "CIV",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "dr congo (zaire)": "COD",
    "gambia": "GMB",
    "ghana": "GHA",
    "guinea": "GIN",
    "guinea-bissau": "GNB",
    "libya": "LBY",
    "mali": "MLI",
    "mauritania": "MRT",
    "mozambique": "MOZ",
    "niger": "NER",
    "nigeria": "NGA",
    "senegal": "SEN",
    "south sudan": "SSD",
    "sudan": "SDN",
    "togo": "TGO",
    "ukraine": "UKR",
}


def iso3_for_numeric(code: str) -> str | None:
    """ISO3 for an ISO numeric code given as text ('466' or '0466'); None when unknown."""
    code = code.strip()
    return ISO3_BY_NUMERIC.get(int(code)) if code.isdigit() else None


def iso3_for_name(name: str) -> str | None:
    """ISO3 for a country name (case-insensitive); None when the name is not in the table."""
    return ISO3_BY_NAME.get(name.strip().lower())


def name_for_numeric(code: int) -> str | None:
    """The English short name for an ISO numeric code ('Mali'); None when unknown."""
    iso3 = ISO3_BY_NUMERIC.get(code)
    if iso3 is None:
        return None
    # The first spelling listed for an ISO3 is its plain English name.
    name = next(n for n, i in ISO3_BY_NAME.items() if i == iso3)
    return " ".join(_capitalised(word) for word in name.split())


def _capitalised(word: str) -> str:
    if word in ("of", "the"):
        return word
    if word.startswith("d'"):
        return "d'" + word[2:].capitalize()
    return "-".join(part.capitalize() for part in word.split("-"))


def known_iso3(country: str) -> bool:
    """Whether a reader's country value is an ISO3 code: either given as one by the source or
    found for the source's name. A name left as it was ("Atlantis") is not."""
    return len(country) == 3 and country.isascii() and country.isalpha() and country.isupper()
