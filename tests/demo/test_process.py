"""The weekly self-exciting process and its pieces."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecast.core.vocab import EVENT_TYPES, POLITICAL_VIOLENCE
from forecast.demo.exposure import exposures
from forecast.demo.forces import DEPLOYMENTS, PARTNERS
from forecast.demo.geography import build_geography, haversine_km
from forecast.demo.params import DemoParams, ForceEffect, Front, PerType, Withdrawal
from forecast.demo.process import (
    civic_weight,
    front_rate,
    seasonality,
    simulate,
    spread_kernel,
    window_mondays,
)

ONSET = date(2020, 6, 1)  # a Monday
NO_EFFECT = ForceEffect(reach_km=50, effect=PerType())


@pytest.fixture(scope="module")
def geography():
    return build_geography()


def index(geography, code: str) -> int:
    return list(geography.codes).index(code)


def quiet(**changes) -> DemoParams:
    """A world with no excitation, presence, noise or season: lambda is the base rate."""
    values = dict(
        start=date(2020, 1, 6),
        end=date(2020, 12, 28),
        burn_in_weeks=0,
        district_sd=0.0,
        noise_sd=0.0,
        season_amplitude=0.0,
        self_excitation=PerType(),
        spread=PerType(),
        france=NO_EFFECT,
        un=NO_EFFECT,
        wagner=NO_EFFECT,
        africa_corps=NO_EFFECT,
        fama=NO_EFFECT,
        withdrawal=Withdrawal(effect=PerType()),
        site_effect=PerType(),
    )
    values.update(changes)
    return DemoParams(**values)


def run(geography, params: DemoParams, seed: int = 0):
    mondays = window_mondays(params)
    exposure = exposures(PARTNERS + DEPLOYMENTS, geography, params, mondays, np.zeros(53))
    return simulate(geography, params, exposure, np.random.default_rng(seed))


def test_front_is_midway_at_its_onset_times_the_heat(geography) -> None:
    params = quiet(
        fronts=(Front(region="ML05", early=0.1, late=0.5, onset=ONSET, width_weeks=10),),
        heat=(("ML0501", 2.0),),
    )
    mondays = np.array([np.datetime64(ONSET, "D")])
    rate = front_rate(geography, params, mondays)[0]
    assert rate[index(geography, "ML0501")] == pytest.approx(0.6)  # (0.1 + 0.5) / 2 x 2
    assert rate[index(geography, "ML0506")] == pytest.approx(0.3)
    assert rate[index(geography, "ML0101")] == 0.0  # Kayes has no front here


def test_front_reaches_farther_cercles_later(geography) -> None:
    # Origin on Douentza's centre; the speed puts Mopti ln(3) ramp widths behind, where the
    # logistic ramp stands at 1/(1+3) = 0.25 on the onset day.
    d, m = index(geography, "ML0504"), index(geography, "ML0506")
    km = haversine_km(geography.lat[d], geography.lon[d], geography.lat[m], geography.lon[m])
    front = Front(
        region="ML05",
        early=0.0,
        late=1.0,
        onset=ONSET,
        width_weeks=10,
        origin=(float(geography.lat[d]), float(geography.lon[d])),
        km_per_week=float(km / (10 * np.log(3))),
    )
    params = quiet(fronts=(front,), heat=())
    rate = front_rate(geography, params, np.array([np.datetime64(ONSET, "D")]))
    assert rate[0, d] == pytest.approx(0.5)
    assert rate[0, m] == pytest.approx(0.25)


def test_fronts_of_a_region_add_up_and_a_lull_cannot_go_below_zero(geography) -> None:
    simmer = Front(region="ML01", early=0.1, late=0.1, onset=ONSET, width_weeks=5)
    surge = Front(region="ML01", early=0.0, late=0.4, onset=ONSET, width_weeks=5)
    lull = Front(region="ML01", early=0.0, late=-0.3, onset=ONSET, width_weeks=5)
    long_after = np.array([np.datetime64(ONSET, "D") + 7 * 200])
    kayes = index(geography, "ML0103")

    def rate(*fronts: Front) -> float:
        return float(front_rate(geography, quiet(fronts=fronts, heat=()), long_after)[0, kayes])

    assert rate(simmer, surge) == pytest.approx(0.5)
    assert rate(simmer, surge, lull) == pytest.approx(0.2)
    assert rate(simmer, lull) == 0.0  # floored: a lull silences, it does not go negative


def test_a_front_with_an_origin_needs_a_speed() -> None:
    with pytest.raises(ValueError, match="km_per_week"):
        Front(region="ML01", early=0, late=1, onset=ONSET, width_weeks=5, origin=(14.0, -9.0))


def test_params_refuse_dates_that_are_not_mondays() -> None:
    with pytest.raises(ValueError, match="Mondays"):
        DemoParams(start=date(2020, 1, 7))


def test_season_peaks_in_march_and_bottoms_in_september() -> None:
    params = quiet(season_amplitude=0.2)
    mondays = np.datetime64("2019-01-07") + 7 * np.arange(52)
    season = seasonality(params, mondays)
    assert season.max() == pytest.approx(0.2, abs=0.002)
    assert season.min() == pytest.approx(-0.2, abs=0.002)
    assert mondays[season.argmax()].astype(object).month == 3
    assert mondays[season.argmin()].astype(object).month == 9


def test_spread_kernel_is_symmetric_local_and_decreasing(geography) -> None:
    params = DemoParams()
    kernel = spread_kernel(geography, params)
    km = geography.distance_km
    assert np.allclose(kernel, kernel.T)
    assert (np.diag(kernel) == 0).all()
    assert (kernel[km > params.spread_max_km] == 0).all()
    near = (km > 0) & (km <= params.spread_max_km)
    order = np.argsort(km[near])
    assert (np.diff(kernel[near][order]) <= 1e-12).all()


def test_quiet_world_intensity_is_the_base_rate(geography) -> None:
    fronts = tuple(
        Front(region=r, early=0.2, late=0.2, onset=ONSET, width_weeks=10)
        for r in sorted(set(geography.region_codes))
    )
    params = quiet(fronts=fronts, heat=())
    sim = run(geography, params)
    share, civic = params.share.vector(), params.civic.vector()
    bamako, kayes, kita = (index(geography, c) for c in ("ML0901", "ML0103", "ML0105"))
    # Bamako's protests: 0.2 x 0.03 from the front + 0.15 x 1 civic = 0.156 a week.
    assert sim.intensity[:, bamako, EVENT_TYPES.index("protest")] == pytest.approx(0.156)
    assert sim.intensity[:, kayes, 0] == pytest.approx(0.2 * share[0] + 0.12 * civic[0])
    assert sim.intensity[:, kita, :] == pytest.approx(np.tile(0.2 * share + 0.03 * civic, (52, 1)))
    assert civic_weight(geography, params)[[bamako, kayes, kita]] == pytest.approx([1, 0.12, 0.03])


def test_self_excitation_follows_the_decayed_count_of_past_violence(geography) -> None:
    params = quiet(
        fronts=(Front(region="ML05", early=0.5, late=0.5, onset=ONSET, width_weeks=10),),
        self_excitation=PerType(battle=0.9),
    )
    sim = run(geography, params, seed=3)
    pv = sim.counts[:, :, [t in POLITICAL_VIOLENCE for t in EVENT_TYPES]].sum(axis=2)
    weeks = len(sim.mondays)
    # E(t) = sum over s < t of memory^(t-1-s) N(s), written as a sum rather than a recursion.
    lags = np.arange(weeks)[:, None] - 1 - np.arange(weeks)[None, :]
    weights = np.where(lags >= 0, params.memory ** np.clip(lags, 0, None), 0.0)
    memory = weights @ pv
    expected = 0.9 * (1 - np.exp(-memory / params.saturation))
    assert sim.components[:, :, 0, 1] == pytest.approx(expected)
    assert sim.components[:, :, 2, 1] == pytest.approx(0.0)  # no self term for civilians
    assert pv.sum() > 50  # the check above saw real events


def test_excitation_cannot_blow_up(geography) -> None:
    params = DemoParams(start=date(2023, 1, 2), end=date(2024, 12, 30))
    sim = run(geography, params)
    alpha, beta = params.self_excitation.vector(), params.spread.vector()
    assert (sim.components[..., 1] <= alpha + 1e-12).all()
    assert (sim.components[..., 2] <= beta + 1e-12).all()
    assert sim.intensity.max() < 20


def test_same_seed_same_draws_and_other_seed_differs(geography) -> None:
    params = DemoParams(start=date(2022, 1, 3), end=date(2022, 12, 26), burn_in_weeks=4)
    first, again, other = (
        run(geography, params, 1),
        run(geography, params, 1),
        run(geography, params, 2),
    )
    assert (first.counts == again.counts).all()
    assert (first.intensity == again.intensity).all()
    assert (first.counts != other.counts).any()
