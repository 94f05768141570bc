"""GrowingRows against the obvious way: every chunk kept and concatenated at the end."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from stride.core.growing_rows import GrowingRows


@given(st.integers(1, 4), st.lists(st.integers(0, 150), max_size=30))
def test_rows_come_back_in_order_whatever_the_chunks(cols: int, sizes: list[int]) -> None:
    rng = np.random.default_rng(len(sizes))
    chunks = [rng.normal(size=(n, cols)) for n in sizes]
    grown = GrowingRows(cols)
    for chunk in chunks:
        grown.extend(chunk)
    expected = np.concatenate([np.empty((0, cols)), *chunks])
    assert len(grown) == expected.shape[0]
    np.testing.assert_array_equal(grown.array(), expected)


def test_the_array_handed_out_is_a_copy() -> None:
    grown = GrowingRows(2)
    grown.extend(np.ones((3, 2)))
    out = grown.array()
    grown.extend(np.zeros((100, 2)))  # regrows: the first answer must not change
    out[0, 0] = 7.0
    np.testing.assert_array_equal(grown.array()[:3], np.ones((3, 2)))
