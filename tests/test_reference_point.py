"""How many neurons memorise each sample (``mmcl.theory.reference.memorising_neurons``, exercise 6.3's reference)."""

from __future__ import annotations

import numpy as np
import pytest

from mmcl.theory.reference import memorising_neurons


def test_counts_neurons_within_a_share_of_the_strongest() -> None:
    rho = np.array([[1.0, 0.2, -1.0], [0.6, 0.2, -0.5], [0.4, 0.05, -0.1]])
    assert memorising_neurons(rho, 0.5).tolist() == [2, 2, 0]
    assert memorising_neurons(rho, 1.0).tolist() == [1, 2, 0]
    assert memorising_neurons(np.full((5, 4), 0.3), 0.9).tolist() == [5, 5, 5, 5]  # W*: every neuron, every sample


@pytest.mark.parametrize(("rho", "share", "message"), [(np.ones(3), 0.5, "rho"), (np.ones((2, 2)), 0.0, "share")])
def test_bad_input_is_named(rho: np.ndarray, share: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        memorising_neurons(rho, share)
