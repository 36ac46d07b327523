"""The array helpers answer as numpy's unique would."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scoreboard.arrays import all_distinct, factorize

keys = st.lists(st.integers(0, 40) | st.integers(0, 10**12), max_size=60)


@given(keys)
def test_all_distinct_is_unique_size(values):
    array = np.asarray(values, dtype=np.int64)
    assert all_distinct(array) == (np.unique(array).size == array.size)


@given(keys)
def test_factorize_is_unique_with_inverse(values):
    array = np.asarray(values, dtype=np.int64)
    distinct, index = factorize(array)
    expected_distinct, expected_index = np.unique(array, return_inverse=True)
    assert distinct.tolist() == expected_distinct.tolist()
    assert index.tolist() == expected_index.tolist()
