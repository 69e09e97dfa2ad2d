import numpy as np
import pytest

from bastion.core.errors import InputError
from bastion.core.model import EntityType, Signal
from bastion.graph import GraphBuilder
from bastion.graph.container import FOLLOW, FOLLOW_REC, AccountGraph, symmetric_adjacency


def test_builder_maps_ids_layers_and_signals() -> None:
    b = GraphBuilder("demo")
    b.add_account("a", age_band="minor", account_age_days=3, post_count=2, stories_ratio=1.0)
    b.add_follow("a", "b", 10)
    b.add_follow("c", "b", 20, source="recommendation")
    b.add_message("a", "c", 2)
    b.add_signal("b", "term_match", 0.4)
    b.add_signal("b", "term_match", 0.2)  # weaker repeat does not lower the strongest
    b.add_signals([Signal("demo", EntityType.ACCOUNT, "c", "report", "reports", 0.7)])
    b.add_signals([Signal("other", EntityType.ACCOUNT, "c", "hash_match", "media", 0.9)])
    g = b.build()
    assert g.ids == ["a", "b", "c"]
    assert g.layer(FOLLOW)[g.index["a"], g.index["b"]] == 1
    assert g.layer(FOLLOW_REC).nnz == 1 and g.layer(FOLLOW_REC)[g.index["c"], g.index["b"]] == 1
    assert g.signal("term_match")[g.index["b"]] == pytest.approx(0.4)
    assert g.signal("report")[g.index["c"]] == pytest.approx(0.7)
    assert g.signal("hash_match").sum() == 0  # other platform ignored
    assert g.attrs.age_band[0] == 0 and g.follow_times is not None
    assert list(g.indices(["c", "missing", "a"])) == [2, 0]


def test_bad_input_is_named() -> None:
    b = GraphBuilder("demo")
    with pytest.raises(InputError, match="age_band"):
        b.add_account("x", age_band="teen")
    with pytest.raises(InputError, match="score"):
        b.add_signal("x", "term_match", 1.5)
    with pytest.raises(InputError, match="outside the account table"):
        AccountGraph.from_arrays("p", ["a", "b"], (np.array([0]), np.array([5])))
    with pytest.raises(InputError, match="not unique"):
        AccountGraph.from_arrays("p", ["a", "a"], (np.array([0]), np.array([1])))
    with pytest.raises(InputError, match="outside the account table"):
        AccountGraph.from_arrays(
            "p",
            ["a", "b"],
            (np.array([0]), np.array([1])),
            shared={"shared_link": (np.array([2]), np.array([0]))},
        )


def test_shared_items_are_an_account_by_item_incidence() -> None:
    g = AccountGraph.from_arrays(
        "p",
        ["a", "b", "c"],
        (np.array([0]), np.array([1])),
        shared={"shared_link": (np.array([0, 2, 2, 0]), np.array([1, 1, 0, 1]))},  # a repeat is one holding
    )
    held = g.shared["shared_link"]
    assert held.shape == (3, 2) and held.toarray().tolist() == [[0, 1], [0, 0], [1, 1]]


def test_symmetric_adjacency_downweights_recommended_follows() -> None:
    b = GraphBuilder("demo")
    b.add_follow("a", "b")
    b.add_follow("c", "b", source="recommendation")
    adj = symmetric_adjacency(b.build(), {"follow": 1.0, "follow_rec": -0.7})
    assert adj[0, 1] == adj[1, 0] == pytest.approx(1.0)
    assert adj[2, 1] == pytest.approx(0.3)
