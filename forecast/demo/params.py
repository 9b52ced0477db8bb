"""Every knob of the demo world, with the defaults that tell its story (docs/DEMO.md).

Rates are events per week; effects are additive on the log-intensity, so an effect of 0.7
multiplies the rate by e^0.7 ~ 2. Dates of the story (fronts, presences) are absolute, so a
shorter window (``start``/``end``) sees a slice of the same world.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from forecast.core.vocab import EVENT_TYPES

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class PerType(BaseModel):
    """One number per normalised event type (forecast.core.vocab.EVENT_TYPES)."""

    model_config = _FROZEN

    battle: float = 0.0
    remote_violence: float = 0.0
    civilian_violence: float = 0.0
    abduction: float = 0.0
    riot: float = 0.0
    protest: float = 0.0
    strategic: float = 0.0

    def vector(self) -> np.ndarray:
        """The values in EVENT_TYPES order."""
        return np.array([getattr(self, name) for name in EVENT_TYPES], dtype=float)


class Front(BaseModel):
    """How the armed conflict's base rate in one region grows: a logistic ramp in time."""

    model_config = _FROZEN

    region: str = Field(description="admin-1 P-code, e.g. ML05 (Mopti)")
    early: float = Field(description="violence base rate per cercle per week before the onset")
    late: float = Field(
        description="the rate once the front has arrived; fronts of a region add up, so a"
        " negative rate is a lull (the sum is floored at zero)"
    )
    onset: date = Field(description="middle of the ramp")
    width_weeks: float = Field(description="ramp steepness: about 4 widths from 12% to 88%")
    origin: tuple[float, float] | None = Field(
        None, description="(lat, lon) where the front starts; None: the whole region at once"
    )
    km_per_week: float = Field(
        0.0, ge=0, description="speed the onset travels from origin to each cercle's centre"
    )

    @model_validator(mode="after")
    def _travels(self) -> Front:
        if self.origin is not None and self.km_per_week <= 0:
            raise ValueError("a front with an origin needs km_per_week > 0")
        return self


class ForceEffect(BaseModel):
    """What a force's presence does to violence nearby."""

    model_config = _FROZEN

    reach_km: float = Field(description="proximity = exp(-km to the district / reach); 1 inside")
    effect: PerType = Field(description="log-intensity change at full proximity, per type")


class Withdrawal(BaseModel):
    """The surge after a French or UN base closes."""

    model_config = _FROZEN

    reach_km: float = Field(60.0, description="as ForceEffect.reach_km, around the closed base")
    weeks: float = Field(22.0, description="e-folding time of the surge after the closing day")
    effect: PerType = Field(
        PerType(
            battle=0.8, remote_violence=0.7, civilian_violence=0.7, abduction=0.5, strategic=0.4
        ),
        description="log-intensity change just after the closing, at full proximity",
    )


# Levels calibrated against ACLED's real monthly counts for Mali (HDX aggregate): each
# region's share of cercle-months with political violence in 2018-2020, 2021-2023, 2024-2025
# and, for the south-west, 2025 (forecast.demo.regions; docs/DEMO.md has both tables). The
# presence effects (French and UN damping, the surges after they leave, Wagner) swing the
# north and centre by a factor of 2-4 around 2022-2024 that the real regional counts do not
# show, so lulls (fronts with a negative rate) offset them there: the local effects keep their
# strength and the regions' shares stay at the real ones.
DEFAULT_FRONTS = (
    Front(region="ML08", early=0.31, late=0.17, onset=date(2016, 1, 4), width_weeks=30),
    # Kidal: a lull once the French leave (October 2021), the fight for the town after the UN
    # leaves and the army and Wagner take it (November 2023).
    Front(region="ML08", early=0.0, late=-0.10, onset=date(2021, 10, 4), width_weeks=15),
    Front(region="ML08", early=0.0, late=0.077, onset=date(2023, 11, 13), width_weeks=8),
    Front(region="ML07", early=0.094, late=0.37, onset=date(2017, 6, 5), width_weeks=30),
    Front(region="ML07", early=0.0, late=-0.18, onset=date(2023, 1, 2), width_weeks=20),
    Front(region="ML10", early=0.026, late=0.16, onset=date(2017, 9, 4), width_weeks=30),
    # Ménaka: the Islamic State's offensive of 2022, then a lull from 2024.
    Front(region="ML10", early=0.0, late=0.054, onset=date(2022, 3, 7), width_weeks=12),
    Front(region="ML10", early=0.0, late=-0.165, onset=date(2024, 1, 1), width_weeks=20),
    Front(region="ML06", early=0.10, late=0.175, onset=date(2017, 6, 5), width_weeks=30),
    Front(region="ML06", early=0.0, late=-0.057, onset=date(2022, 6, 6), width_weeks=20),
    # The centre: from the Niger bend's east (Boni, Hombori) westwards into the Inner Delta,
    # easing from mid-2023 ...
    Front(
        region="ML05",
        early=0.019,
        late=0.18,
        onset=date(2016, 6, 6),
        width_weeks=26,
        origin=(15.1, -1.9),
        km_per_week=4.0,
    ),
    Front(region="ML05", early=0.0, late=-0.094, onset=date(2023, 6, 5), width_weeks=20),
    # ... while Ségou heats up slowly from the Mauritanian border (Nampala) to 2022.
    Front(
        region="ML04",
        early=0.015,
        late=0.112,
        onset=date(2020, 1, 6),
        width_weeks=50,
        origin=(14.9, -5.6),
        km_per_week=3.0,
    ),
    # Then south-west: from Nara (Mauritanian border) towards Bamako's surroundings ...
    Front(
        region="ML02",
        early=0.0076,
        late=0.042,
        onset=date(2019, 9, 2),
        width_weeks=30,
        origin=(15.2, -7.3),
        km_per_week=6.0,
    ),
    # ... from the Burkina border (Yorosso, Koutiala) into the south ...
    Front(
        region="ML03",
        early=0.0083,
        late=0.053,
        onset=date(2020, 9, 7),
        width_weeks=30,
        origin=(12.3, -4.6),
        km_per_week=6.0,
    ),
    # ... and in 2025 the push on the roads to Bamako more than doubles it in both regions.
    Front(region="ML02", early=0.0, late=0.069, onset=date(2025, 3, 3), width_weeks=10),
    Front(region="ML03", early=0.0, late=0.048, onset=date(2025, 3, 3), width_weeks=10),
    # Kayes simmers from 2020 (Diéma, Nioro, Kita), then a front from Nioro from late 2024
    # moves west at 8 km/week and reaches Kayes in 2025.
    Front(region="ML01", early=0.0005, late=0.042, onset=date(2020, 9, 7), width_weeks=40),
    Front(
        region="ML01",
        early=0.0,
        late=0.050,
        onset=date(2024, 11, 4),
        width_weeks=12,
        origin=(15.2, -9.6),
        km_per_week=8.0,
    ),
    Front(region="ML09", early=0.067, late=0.027, onset=date(2020, 6, 1), width_weeks=30),
)


# Within a region, some cercles burn hotter than others (multiplier on the front's rate): each
# cercle's monthly hazard in ACLED's real counts 2018-2025 (-log of the share of months without
# political violence) over its region's mean, clipped to 0.2-2.5 and rounded (HDX aggregate,
# ../shared/data/acled_hdx_mali_admin2_monthly; see forecast.demo.regions).
DEFAULT_HEAT = (
    ("ML0101", 0.8), ("ML0102", 2.1), ("ML0103", 1.0), ("ML0104", 0.4), ("ML0105", 1.2),
    ("ML0106", 1.1), ("ML0107", 0.4),
    ("ML0201", 0.6), ("ML0202", 0.8), ("ML0203", 0.5), ("ML0204", 1.0), ("ML0205", 0.8),
    ("ML0206", 0.5), ("ML0207", 2.5),
    ("ML0301", 0.7), ("ML0302", 0.3), ("ML0303", 0.4), ("ML0304", 1.0), ("ML0305", 1.8),
    ("ML0306", 0.7), ("ML0307", 2.1),
    ("ML0401", 0.2), ("ML0402", 0.3), ("ML0403", 1.6), ("ML0404", 2.4), ("ML0405", 0.6),
    ("ML0406", 1.1), ("ML0407", 0.9),
    ("ML0501", 1.2), ("ML0502", 0.9), ("ML0503", 1.0), ("ML0504", 2.0), ("ML0505", 0.9),
    ("ML0506", 1.3), ("ML0507", 0.6), ("ML0508", 0.2),
    ("ML0601", 0.3), ("ML0602", 1.0), ("ML0603", 1.6), ("ML0604", 0.8), ("ML0605", 1.3),
    ("ML0701", 1.2), ("ML0702", 0.4), ("ML0703", 1.4),
    ("ML0801", 0.5), ("ML0802", 1.7), ("ML0803", 1.8), ("ML0804", 0.2),
    ("ML0901", 1.0),
    ("ML1001", 2.5), ("ML1002", 0.6), ("ML1003", 0.2), ("ML1004", 0.4),
)  # fmt: skip


class DemoParams(BaseModel):
    """All parameters of the demo world; the same parameters give byte-identical files."""

    model_config = _FROZEN

    seed: int = Field(20131, description="seed of every random draw")
    start: date = Field(date(2014, 11, 24), description="first simulated week (a Monday)")
    end: date = Field(date(2026, 11, 16), description="last simulated week (a Monday)")
    burn_in_weeks: int = Field(
        26, ge=0, description="weeks simulated before start and discarded, to warm the memory"
    )
    fronts: tuple[Front, ...] = Field(DEFAULT_FRONTS, description="the conflict's regional ramps")
    heat: tuple[tuple[str, float], ...] = Field(
        DEFAULT_HEAT, description="per-cercle multiplier of its region's front (default 1)"
    )
    district_sd: float = Field(
        0.25, ge=0, description="sd of a random, fixed per-district log offset"
    )
    share: PerType = Field(
        PerType(
            battle=0.33,
            remote_violence=0.18,
            civilian_violence=0.32,
            abduction=0.11,
            riot=0.01,
            protest=0.03,
            strategic=0.14,
        ),
        description="fraction of a front's rate that goes to each type",
    )
    civic: PerType = Field(
        PerType(civilian_violence=0.01, riot=0.08, protest=0.15, strategic=0.05),
        description="rate of unrest independent of the fronts, at civic weight 1 (Bamako)",
    )
    civic_capital: float = Field(0.12, description="civic weight of a regional capital's cercle")
    civic_other: float = Field(0.03, description="civic weight of other cercles")
    season_amplitude: float = Field(
        0.15, description="log-amplitude of the dry-season peak (March) over the rainy season"
    )
    noise_sd: float = Field(0.35, ge=0, description="sd of each district's latent AR(1) tension")
    noise_persistence: float = Field(
        0.9, ge=0, lt=1, description="week-to-week autocorrelation of that tension"
    )
    memory: float = Field(
        0.8, gt=0, lt=1, description="weekly retention of the decayed count of past events"
    )
    self_excitation: PerType = Field(
        PerType(
            battle=0.9,
            remote_violence=0.8,
            civilian_violence=0.9,
            abduction=0.7,
            riot=0.2,
            protest=0.2,
            strategic=0.6,
        ),
        description="log-multiplier at saturation of the own decayed count of political violence",
    )
    saturation: float = Field(
        2.0, gt=0, description="excitation term = coefficient x (1 - exp(-decayed count / this))"
    )
    spread_km: float = Field(90.0, gt=0, description="distance scale of the spread kernel")
    spread_max_km: float = Field(350.0, gt=0, description="no spread beyond this distance")
    spread: PerType = Field(
        PerType(
            battle=0.6,
            remote_violence=0.5,
            civilian_violence=0.7,
            abduction=0.6,
            strategic=0.4,
        ),
        description="log-multiplier at saturation of kernel-weighted counts of other cercles",
    )
    france: ForceEffect = Field(
        ForceEffect(
            reach_km=80,
            effect=PerType(
                battle=-0.6, remote_violence=-0.3, civilian_violence=-0.7, abduction=-0.6
            ),
        ),
        description="French bases dampen violence nearby while present",
    )
    un: ForceEffect = Field(
        ForceEffect(
            reach_km=50,
            effect=PerType(
                battle=-0.35, remote_violence=0.1, civilian_violence=-0.5, abduction=-0.4
            ),
        ),
        description="UN camps dampen violence nearby (they draw mortar and IED attacks)",
    )
    wagner: ForceEffect = Field(
        ForceEffect(
            reach_km=80,
            effect=PerType(battle=0.1, civilian_violence=0.7, abduction=0.4, strategic=0.2),
        ),
        description="Wagner raises violence against civilians nearby",
    )
    africa_corps: ForceEffect = Field(
        ForceEffect(
            reach_km=80,
            effect=PerType(battle=0.1, civilian_violence=0.6, abduction=0.3, strategic=0.2),
        ),
        description="Africa Corps, like Wagner, somewhat less",
    )
    other: ForceEffect = Field(
        ForceEffect(reach_km=30, effect=PerType()),
        description="European training and task forces: no effect",
    )
    fama: ForceEffect = Field(
        ForceEffect(reach_km=40, effect=PerType(battle=0.5, remote_violence=0.6)),
        description="national bases attract battles and IEDs (proximity saturates: 1-exp(-sum))",
    )
    withdrawal: Withdrawal = Field(Withdrawal(), description="surge after French/UN withdrawal")
    site_effect: PerType = Field(
        PerType(abduction=1.0),
        description="log-intensity change in cercles with a mine or plant employing foreigners",
    )
    foreign_abduction_share: float = Field(
        0.35, ge=0, le=1, description="share of abductions in a site's cercle taking foreigners"
    )
    foreign_abductions_from: date = Field(
        date(2020, 1, 1), description="no kidnapping of foreign workers before this day"
    )
    geo_precision2_share: float = Field(
        0.2, ge=0, le=1, description="share of events placed at the cercle seat (geo_precision 2)"
    )

    @model_validator(mode="after")
    def _mondays(self) -> DemoParams:
        if self.start.weekday() != 0 or self.end.weekday() != 0:
            raise ValueError("start and end must be Mondays")
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self

    @property
    def n_weeks(self) -> int:
        return (self.end - self.start).days // 7 + 1
