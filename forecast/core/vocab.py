"""The normalised vocabularies shared by readers, features and training."""

from __future__ import annotations

from typing import Final

# Normalised event types. ACLED and UCDP types map onto these.
BATTLE: Final = "battle"
REMOTE_VIOLENCE: Final = "remote_violence"  # explosions, shelling, air/drone strikes, IEDs
CIVILIAN_VIOLENCE: Final = "civilian_violence"  # attacks on civilians other than abduction
ABDUCTION: Final = "abduction"  # abduction / forced disappearance / kidnapping
RIOT: Final = "riot"
PROTEST: Final = "protest"  # kept, flagged non-violent
STRATEGIC: Final = "strategic"  # strategic developments: kept, flagged non-violent

EVENT_TYPES: Final = (
    BATTLE,
    REMOTE_VIOLENCE,
    CIVILIAN_VIOLENCE,
    ABDUCTION,
    RIOT,
    PROTEST,
    STRATEGIC,
)
VIOLENT_TYPES: Final = frozenset({BATTLE, REMOTE_VIOLENCE, CIVILIAN_VIOLENCE, ABDUCTION, RIOT})
# What the "any political violence" target counts (ACLED's political-violence family).
POLITICAL_VIOLENCE: Final = frozenset({BATTLE, REMOTE_VIOLENCE, CIVILIAN_VIOLENCE, ABDUCTION})
CIVILIAN_TARGETING: Final = frozenset({CIVILIAN_VIOLENCE, ABDUCTION})

# How an event was placed in a district.
PLACED_POINT: Final = "point"  # point in polygon
PLACED_ADMIN2_NAME: Final = "admin2_name"  # source's admin-2 name matched a district name
PLACED_NEAREST: Final = "nearest_centroid"  # nearest gazetteer centroid, or polygon a few km off
UNPLACED: Final = "unplaced"
PLACEMENTS: Final = (PLACED_POINT, PLACED_ADMIN2_NAME, PLACED_NEAREST, UNPLACED)

# Foreign partner forces.
PARTNER_UN: Final = "un"
PARTNER_FRANCE: Final = "france"
PARTNER_WAGNER: Final = "russia_wagner"
PARTNER_AFRICA_CORPS: Final = "russia_africa_corps"
PARTNER_OTHER: Final = "other"
PARTNER_KINDS: Final = (
    PARTNER_UN,
    PARTNER_FRANCE,
    PARTNER_WAGNER,
    PARTNER_AFRICA_CORPS,
    PARTNER_OTHER,
)

TARGETS: Final = ("any", "fatal", "civilians", "abduction")
