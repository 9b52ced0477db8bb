"""A cadence crosses process boundaries as the same object (joblib workers test ``is WEEK``)."""

import pickle

from forecast.core.cadence import MONTH, WEEK


def test_an_unpickled_cadence_is_the_module_singleton() -> None:
    assert pickle.loads(pickle.dumps(WEEK)) is WEEK
    assert pickle.loads(pickle.dumps(MONTH)) is MONTH
