"""The demo world's violence: a weekly self-exciting process per district and event type.

For week t, district d and type k:

    log lambda = log(share_k * front_d(t) + civic_k * civic_d) + season(t)   (base)
               + self_k   * (1 - exp(-E_d(t) / saturation))                   (self)
               + spread_k * (1 - exp(-sum_d' K(d, d') E_d'(t) / saturation))   (spread)
               + sum_f effect_f,k * exposure_f,d(t)                            (presence)
               + z_d(t)                                                        (noise)
    N ~ Poisson(lambda)

E_d(t) = memory * E_d(t-1) + (political violence in d during week t-1) is an exponentially
decaying count; K(d, d') = exp(-km / spread_km) for 0 < km <= spread_max_km; z is an AR(1)
tension per district. The excitation saturates (at most a factor e^self_k, e^spread_k), so the
process cannot explode however hot a district gets; it is graded over the first few events.
Weeks are simulated one at a time, vectorised over districts and types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.core.vocab import EVENT_TYPES, POLITICAL_VIOLENCE
from forecast.demo.exposure import Exposure
from forecast.demo.geography import Geography, haversine_km
from forecast.demo.params import DemoParams, Front

CAPITALS = (
    "ML0103",
    "ML0206",
    "ML0305",
    "ML0406",
    "ML0506",
    "ML0605",
    "ML0703",
    "ML0802",
    "ML1001",
)
BAMAKO = "ML0901"
COMPONENTS = ("base", "self", "spread", "presence")
_PV = np.array([t in POLITICAL_VIOLENCE for t in EVENT_TYPES])
_DRY_SEASON_PEAK_DAY = 75  # mid-March


@dataclass(frozen=True)
class Simulation:
    """Everything the process drew, for the weeks from params.start to params.end."""

    mondays: np.ndarray  # datetime64[D], weeks
    counts: np.ndarray  # weeks x districts x types, int
    intensity: np.ndarray  # lambda, same shape
    components: np.ndarray  # weeks x districts x types x COMPONENTS (log scale)
    noise: np.ndarray  # weeks x districts, z


def front_rate(geography: Geography, params: DemoParams, mondays: np.ndarray) -> np.ndarray:
    """Base rate of the armed conflict (events/week, all types) per week and district."""
    rate = np.zeros((len(mondays), geography.size))
    weeks = mondays.astype("datetime64[D]").astype(float) / 7.0
    # Fronts of the same region add up: a region can simmer for years before a second front
    # arrives (Kayes in 2025), and a front with a negative rate is a lull (Mopti from 2023).
    for front in params.fronts:
        mine = geography.region_codes == front.region
        rate[:, mine] += front_ramp(geography, front, weeks)[:, mine]
    heat = dict(params.heat)
    # A lull can at most silence a region's armed conflict, never make its rate negative.
    return np.maximum(rate, 0.0) * np.array([heat.get(code, 1.0) for code in geography.codes])


def front_ramp(geography: Geography, front: Front, weeks: np.ndarray) -> np.ndarray:
    """One front's rate per week (``weeks``: days since 1970 / 7) and district, before heat."""
    onset = np.datetime64(front.onset, "D").astype(float) / 7.0 + _delay(geography, front)
    ramp = 1.0 / (1.0 + np.exp(-(weeks[:, None] - onset[None, :]) / front.width_weeks))
    return front.early + (front.late - front.early) * ramp


def _delay(geography: Geography, front: Front) -> np.ndarray:
    """Weeks the front takes to reach each district's centre from its origin."""
    if front.origin is None:
        return np.zeros(geography.size)
    km = haversine_km(front.origin[0], front.origin[1], geography.lat, geography.lon)
    return km / front.km_per_week


def civic_weight(geography: Geography, params: DemoParams) -> np.ndarray:
    """How much unrest independent of the fronts each district sees (Bamako = 1)."""
    weight = np.full(geography.size, params.civic_other)
    weight[np.isin(geography.codes, CAPITALS)] = params.civic_capital
    weight[geography.codes == BAMAKO] = 1.0
    return weight


def seasonality(params: DemoParams, mondays: np.ndarray) -> np.ndarray:
    """Log-multiplier per week peaking in the dry season."""
    day = (mondays - mondays.astype("datetime64[Y]")).astype(float) + 3.0
    return params.season_amplitude * np.cos(2 * np.pi * (day - _DRY_SEASON_PEAK_DAY) / 365.25)


def spread_kernel(geography: Geography, params: DemoParams) -> np.ndarray:
    """K(d, d'): weight of district d' events in district d's spread term."""
    km = geography.distance_km
    return np.where((km > 0) & (km <= params.spread_max_km), np.exp(-km / params.spread_km), 0.0)


def presence_effects(params: DemoParams, exposure: Exposure) -> np.ndarray:
    """Sum over forces of effect x exposure, on the log scale: weeks x districts x types."""
    effects = {
        "france": params.france.effect,
        "un": params.un.effect,
        "wagner": params.wagner.effect,
        "africa_corps": params.africa_corps.effect,
        "other": params.other.effect,
        "fama": params.fama.effect,
        "withdrawal": params.withdrawal.effect,
        "site": params.site_effect,
    }
    matrix = np.stack([effects[name].vector() for name in exposure.names])  # exposures x types
    return exposure.values @ matrix


def simulate(
    geography: Geography,
    params: DemoParams,
    exposure: Exposure,
    rng: np.random.Generator,
) -> Simulation:
    """Run the process over burn-in plus the window; return the window only.

    ``exposure`` must cover the same weeks: burn-in first, then params.start..params.end.
    """
    n_burn = params.burn_in_weeks
    mondays = window_mondays(params)
    shares, civic = params.share.vector(), params.civic.vector()
    rate = (
        front_rate(geography, params, mondays)[:, :, None] * shares
        + civic_weight(geography, params)[None, :, None] * civic
    )
    with np.errstate(divide="ignore"):  # a zero rate is a type that never happens there
        base = np.log(rate)
    base += seasonality(params, mondays)[:, None, None]
    base += rng.normal(0.0, params.district_sd, geography.size)[None, :, None]
    presence = presence_effects(params, exposure)
    noise = _ar1(rng, len(mondays), geography.size, params.noise_sd, params.noise_persistence)
    kernel = spread_kernel(geography, params)
    alpha, beta = params.self_excitation.vector(), params.spread.vector()

    shape = (len(mondays), geography.size, len(EVENT_TYPES))
    counts = np.zeros(shape, dtype=np.int64)
    intensity = np.zeros(shape)
    components = np.zeros((*shape, len(COMPONENTS)))
    memory = np.zeros(geography.size)
    for t in range(len(mondays)):
        if t:
            memory = params.memory * memory + counts[t - 1][:, _PV].sum(axis=1)
        own = -np.expm1(-memory / params.saturation)[:, None] * alpha
        near = -np.expm1(-(kernel @ memory) / params.saturation)[:, None] * beta
        parts = np.stack([base[t], own, near, presence[t]], axis=-1)
        components[t] = parts
        intensity[t] = np.exp(parts.sum(axis=-1) + noise[t][:, None])
        counts[t] = rng.poisson(intensity[t])
    keep = slice(n_burn, None)
    return Simulation(mondays[keep], counts[keep], intensity[keep], components[keep], noise[keep])


def _ar1(rng: np.random.Generator, n: int, size: int, sd: float, rho: float) -> np.ndarray:
    shocks = rng.normal(0.0, sd * np.sqrt(1 - rho**2), (n, size))
    z = np.empty((n, size))
    z[0] = rng.normal(0.0, sd, size)
    for t in range(1, n):
        z[t] = rho * z[t - 1] + shocks[t]
    return z


def window_mondays(params: DemoParams) -> np.ndarray:
    """Burn-in plus window Mondays, the weeks ``exposures`` must be computed for."""
    return np.datetime64(params.start, "D") + 7 * np.arange(-params.burn_in_weeks, params.n_weeks)
