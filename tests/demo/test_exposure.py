"""Exposure of districts to forces, and the surge after a withdrawal."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecast.core.vocab import PARTNER_FRANCE, PARTNER_KINDS
from forecast.demo.exposure import exposures
from forecast.demo.forces import DEPLOYMENTS, FAMA, PARTNERS, Presence
from forecast.demo.geography import build_geography
from forecast.demo.params import DemoParams


@pytest.fixture(scope="module")
def geography():
    return build_geography()


def base(geography, code: str, partner: str, start: date, end: date | None) -> Presence:
    d = list(geography.codes).index(code)
    return Presence(
        "test", partner, "test", "base", geography.lat[d], geography.lon[d], start, end, 1
    )


def test_a_french_base_while_present_and_the_surge_after(geography) -> None:
    params = DemoParams()
    record = base(geography, "ML0703", PARTNER_FRANCE, date(2022, 1, 3), date(2022, 6, 1))
    mondays = np.array(
        ["2022-01-03", "2022-05-30", "2022-06-06", "2022-11-07"], dtype="datetime64[D]"
    )
    exposure = exposures((record,), geography, params, mondays, np.zeros(geography.size))
    gao = list(geography.codes).index("ML0703")
    france, surge = exposure.of("france")[:, gao], exposure.of("withdrawal")[:, gao]
    # Present in the weeks of 3 January and 30 May (it left on Wednesday 1 June), gone after.
    assert france.tolist() == [1.0, 1.0, 0.0, 0.0]
    # The surge starts the day after: 5 days = 5/7 week later, and 159 days = 22 5/7 weeks.
    weeks = params.withdrawal.weeks
    assert surge == pytest.approx(
        [0.0, 0.0, np.exp(-(5 / 7) / weeks), np.exp(-(22 + 5 / 7) / weeks)]
    )
    # A neighbour feels less of both.
    far = list(geography.codes).index("ML0101")  # Bafoulabé, 1,000 km away
    assert exposure.of("france")[0, far] < 1e-6


def test_national_bases_add_up_and_saturate(geography) -> None:
    params = DemoParams()
    one = base(geography, "ML0406", FAMA, date(2020, 1, 6), None)
    mondays = np.array(["2021-03-01"], dtype="datetime64[D]")
    single = exposures((one,), geography, params, mondays, np.zeros(geography.size))
    double = exposures((one, one), geography, params, mondays, np.zeros(geography.size))
    segou = list(geography.codes).index("ML0406")
    assert single.of("fama")[0, segou] == pytest.approx(1 - np.exp(-1))
    assert double.of("fama")[0, segou] == pytest.approx(1 - np.exp(-2))


def test_exposures_stay_in_the_unit_interval(geography) -> None:
    params = DemoParams()
    mondays = np.datetime64("2014-11-24") + 7 * np.arange(0, 626, 13)
    exposure = exposures(PARTNERS + DEPLOYMENTS, geography, params, mondays, np.ones(53))
    assert exposure.values.min() >= 0.0
    assert exposure.values.max() <= 1.0


def test_presence_records_use_the_vocabulary() -> None:
    assert {r.partner for r in PARTNERS} <= set(PARTNER_KINDS)
    assert {r.partner for r in DEPLOYMENTS} == {FAMA}
    assert all(r.end is None or r.start <= r.end for r in PARTNERS + DEPLOYMENTS)
