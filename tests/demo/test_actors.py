"""ACLED actor names and codes."""

from __future__ import annotations

import numpy as np

from forecast.demo import actors


def test_inter_codes_follow_acled() -> None:
    names = np.array(
        [
            "Military Forces of Mali (2021-)",
            "Police Forces of Mali (2013-2020)",
            actors.JNIM,
            actors.UNIDENTIFIED,
            actors.DAN_NA,
            actors.RIOTERS,
            actors.PROTESTERS,
            "Civilians (China)",
            actors.WAGNER,
            actors.MINUSMA,
            "Military Forces of France (2017-2022)",
            "",
        ]
    )
    assert actors.inter_code(names).tolist() == [1, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 0]


def test_interaction_is_the_two_codes_smaller_first() -> None:
    inter1, inter2 = np.array([2, 7, 1, 6]), np.array([1, 2, 0, 0])
    assert actors.interaction(inter1, inter2).tolist() == [12, 27, 10, 60]


def test_state_forces_carry_their_regimes_years() -> None:
    days = np.array(["2019-05-01", "2020-12-01", "2023-01-01"], dtype="datetime64[D]")
    assert actors.mali_army(days).tolist() == [
        "Military Forces of Mali (2013-2020)",
        "Military Forces of Mali (2020-2021)",
        "Military Forces of Mali (2021-)",
    ]
    assert actors.france(days).tolist() == [
        "Military Forces of France (2017-2022)",
        "Military Forces of France (2017-2022)",
        "Military Forces of France (2022-)",
    ]


def test_choose_draws_rows_in_proportion() -> None:
    probs = np.tile([0.0, 3.0, 1.0], (40_000, 1))
    drawn = actors.choose(np.random.default_rng(0), probs)
    assert set(np.unique(drawn)) == {1, 2}
    assert abs((drawn == 1).mean() - 0.75) < 0.01
