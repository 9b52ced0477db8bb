"""The feature configuration: windows, decays, radii and the editable actor keyword lists.

Every number and list that shapes the panel lives here so that a study can change it
without touching code. The CLI loads overrides from a TOML or JSON file; the feature
functions only ever receive the validated object.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forecast.core import vocab

JIHADIST_KEYWORDS: tuple[str, ...] = (
    "JNIM",
    "Jama'at Nusrat al-Islam wal Muslimin",
    "Jamaat Nusrat al-Islam wal-Muslimin",
    "Group for Support of Islam and Muslims",
    "Islamic State",
    "ISGS",
    "ISSP",
    "ISWAP",
    "Katiba Macina",
    "Katiba Serma",
    "Ansaroul Islam",
    "Ansarul Islam",
    "AQIM",
    "Al Qaeda",
    "Al-Qaeda",
    "Al Mourabitoune",
    "Al-Mourabitoune",
    "Ansar Dine",
    "MUJAO",
    "Boko Haram",
)

# Matched in actor2, assoc_actors and notes; ACLED names victims "Civilians (China)" and
# describes them in notes ("abducted two Chinese nationals"). Bare "foreign" is left out
# on purpose: notes say "foreign forces" about partner troops, who are not victims here.
FOREIGN_VICTIM_KEYWORDS: tuple[str, ...] = (
    "foreign national",
    "foreigner",
    "foreign worker",
    "foreign citizen",
    "foreign tourist",
    "expatriate",
    "(China)",
    "Chinese",
    "(India)",
    "Indian national",
    "Indian worker",
    "(Turkey)",
    "Turkish national",
    "Turkish worker",
    "(Egypt)",
    "Egyptian national",
    "(Morocco)",
    "Moroccan national",
    "French national",
    "French citizen",
    "German national",
    "Italian national",
    "Canadian national",
    "American national",
    "US citizen",
    "Romanian national",
    "South African national",
    "international staff",
    "aid worker",
    "humanitarian worker",
    "tourist",
)

# Matched in actor1, actor2 and assoc_actors. "Forces of France" / "Forces of Russia"
# rather than the bare country names, which also occur in victim actors such as
# "Civilians (France)".
PARTNER_FORCE_KEYWORDS: tuple[str, ...] = (
    "MINUSMA",
    "MINUSCA",
    "United Nations",
    "Forces of France",
    "Barkhane",
    "Serval",
    "Sabre",
    "Takuba",
    "Wagner",
    "Forces of Russia",
    "Africa Corps",
    "EUTM",
)

# The state forces of each country (ISO3), matched in actor1, actor2 and assoc_actors of
# that country's events only: the army of Niger fighting in Mali is not Mali's. ACLED
# names them "Military Forces of Mali (2021-)", "Police Forces of Mali (2021-) Gendarmerie",
# "Military Forces of Niger (2011-) National Guard"; the " (" before ACLED's period keeps
# "Forces of Niger" from matching "Forces of Nigeria" and leaves out "Government of Mali
# (2013-)", which ACLED uses for civil officials (mostly victims of attacks or abductions).
# Pro-government militias (VDP, Koglweogo, Dan Na Ambassagou, GATIA, Dozo) are not state
# forces and are left out; see docs/FEATURES.md for the counts behind these choices.
NATIONAL_FORCE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "MLI": ("Military Forces of Mali (", "Police Forces of Mali ("),
    "NER": ("Military Forces of Niger (", "Police Forces of Niger ("),
    "BFA": ("Military Forces of Burkina Faso (", "Police Forces of Burkina Faso ("),
    "CAF": (
        "Military Forces of the Central African Republic (",
        "Police Forces of the Central African Republic (",
    ),
}

# Whole actor1/actor2 values naming the state forces: UCDP's state side ("Government of
# Mali"), which a keyword would confuse with ACLED's "Government of Mali (2013-)".
NATIONAL_FORCE_NAMES: dict[str, tuple[str, ...]] = {
    "MLI": ("Government of Mali",),
    "NER": ("Government of Niger",),
    "BFA": ("Government of Burkina Faso",),
    "CAF": ("Government of Central African Republic",),
}

# Matched in actor1, actor2 and assoc_actors; ACLED often lists Wagner as an associated
# actor of the Malian army ("Military Forces of Mali (2021-)" with "Wagner Group").
RUSSIAN_FORCE_KEYWORDS: tuple[str, ...] = ("Wagner", "Africa Corps", "Military Forces of Russia")

CAPITALS: dict[str, tuple[float, float]] = {
    "MLI": (12.6392, -8.0029),  # Bamako
    "BFA": (12.3714, -1.5197),  # Ouagadougou
    "NER": (13.5116, 2.1254),  # Niamey
    "CAF": (4.3947, 18.5582),  # Bangui
}


class FeatureConfig(BaseModel):
    """What the panel computes; every field has a default and may be overridden."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    windows: tuple[int, ...] = Field(
        (1, 4, 12, 26, 52), description="Trailing windows (weeks) of the district's own history."
    )
    spread_windows: tuple[int, ...] = Field(
        (4, 12, 52), description="Windows of neighbour, distance-band, national and actor counts."
    )
    half_lives: tuple[float, ...] = Field(
        (2.0, 8.0, 26.0), description="Half-lives (weeks) of the exponentially decayed sums."
    )
    trend_windows: tuple[tuple[int, int], ...] = Field(
        ((4, 52), (12, 52)), description="(short, long) windows compared by the trend features."
    )
    radii_km: tuple[float, ...] = Field(
        (50.0, 100.0, 200.0), description="Radii around the centroid for distance-band counts."
    )
    near_km: float = Field(
        100.0, description="Radius of 'near': actor events, bases and partner sites."
    )
    nearest_windows: tuple[int, ...] = Field(
        (4, 12), description="Windows of the distance to the nearest event."
    )
    actor_national_windows: tuple[int, ...] = Field(
        (12,), description="Windows of the national actor-group counts."
    )
    event_types: tuple[str, ...] = Field(
        vocab.EVENT_TYPES, description="Event types counted one by one."
    )
    violence_types: tuple[str, ...] = Field(
        tuple(t for t in vocab.EVENT_TYPES if t in vocab.POLITICAL_VIOLENCE),
        description="Types that make up 'political violence' (the pv features).",
    )
    partner_kinds: tuple[str, ...] = Field(
        vocab.PARTNER_KINDS, description="Partner kinds with their own presence features."
    )
    jihadist_keywords: tuple[str, ...] = Field(
        JIHADIST_KEYWORDS, description="Matched in actor1, actor2 and assoc_actors."
    )
    foreign_victim_keywords: tuple[str, ...] = Field(
        FOREIGN_VICTIM_KEYWORDS,
        description="Matched in actor2, assoc_actors and notes of violent events.",
    )
    partner_force_keywords: tuple[str, ...] = Field(
        PARTNER_FORCE_KEYWORDS, description="Matched in actor1, actor2 and assoc_actors."
    )
    national_force_keywords: dict[str, tuple[str, ...]] = Field(
        NATIONAL_FORCE_KEYWORDS,
        description="Per ISO3 country: the state forces, matched in actor1, actor2 and "
        "assoc_actors of that country's events.",
    )
    national_force_names: dict[str, tuple[str, ...]] = Field(
        NATIONAL_FORCE_NAMES,
        description="Per ISO3 country: whole actor1/actor2 values naming the state forces "
        "(UCDP's state side).",
    )
    russian_force_keywords: tuple[str, ...] = Field(
        RUSSIAN_FORCE_KEYWORDS, description="Matched in actor1, actor2 and assoc_actors."
    )
    capitals: dict[str, tuple[float, float]] = Field(
        CAPITALS, description="Capital (latitude, longitude) per ISO3 country code."
    )
    border_km: float = Field(
        25.0,
        description="A district without a polygon is a border district when its centroid "
        "lies this close to the country outline.",
    )
    neighbour_tolerance_deg: float = Field(
        1e-4, description="Polygons this close (degrees) count as sharing a border."
    )
    grid_deg: float = Field(
        0.05,
        description="Event points are snapped to a grid of this size (degrees) for the "
        "distance-band counts; 0 keeps exact coordinates.",
    )
    rainy_months: tuple[int, ...] = Field(
        (6, 7, 8, 9), description="Months of the rainy season (Sahel: June to September)."
    )

    @field_validator("windows", "spread_windows", "nearest_windows", "actor_national_windows")
    @classmethod
    def _positive_windows(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or min(value) < 1:
            raise ValueError("windows must be a non-empty list of positive week counts")
        return tuple(sorted(set(value)))

    @field_validator("half_lives", "radii_km")
    @classmethod
    def _positive_numbers(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or min(value) <= 0:
            raise ValueError("must be a non-empty list of positive numbers")
        return tuple(sorted(set(value)))

    @field_validator("event_types", "violence_types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(vocab.EVENT_TYPES)
        if unknown:
            raise ValueError(f"unknown event types {sorted(unknown)}; see forecast.core.vocab")
        return value

    @field_validator("national_force_keywords", "national_force_names")
    @classmethod
    def _iso3_keys(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        # Events carry upper-case ISO3 codes; "mli" in a TOML file would otherwise match nothing.
        return {country.upper(): tuple(names) for country, names in value.items()}

    @property
    def max_window(self) -> int:
        """How many weeks of history any windowed feature looks back."""
        longest = [
            *self.windows,
            *self.spread_windows,
            *self.nearest_windows,
            *self.actor_national_windows,
            *(w for pair in self.trend_windows for w in pair),
        ]
        return max(longest)

    @property
    def actor_groups(self) -> dict[str, tuple[str, ...]]:
        return {
            "foreign_victim": self.foreign_victim_keywords,
            "partner_force": self.partner_force_keywords,
            "jihadist": self.jihadist_keywords,
        }
