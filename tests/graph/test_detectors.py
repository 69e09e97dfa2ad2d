from collections.abc import Callable

import numpy as np
import pytest
from scipy.stats import poisson

from bastion.core.errors import ConfigError
from bastion.graph import available, create
from bastion.graph.container import AccountGraph
from bastion.graph.dense import SUSPECT, peel_densest
from bastion.graph.lockstep import BURST_P, Timeline, lockstep_partners, poisson_need

BlockModel = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]


def _graph(src: np.ndarray, dst: np.ndarray, n: int, times: np.ndarray | None = None) -> AccountGraph:
    return AccountGraph.from_arrays("t", [f"u{i}" for i in range(n)], (src, dst), follow_times=times)


def test_registry_lists_and_rejects() -> None:
    assert {"dense", "lockstep"} <= set(available())
    with pytest.raises(ConfigError, match="no local detector"):
        create("nope")


def test_dense_block_found_despite_camouflage_to_popular_accounts() -> None:
    rng = np.random.default_rng(1)
    n, block = 600, np.arange(560, 600)
    s, d = rng.integers(0, 560, 3000), rng.integers(0, 560, 3000)  # background
    hubs = np.arange(5)
    s = np.concatenate([s, rng.integers(0, 560, 2000)])
    d = np.concatenate([d, rng.choice(hubs, 2000)])  # hubs are popular
    a, b = np.meshgrid(block, block)
    m = (a != b) & (rng.random(a.shape) < 0.3)
    cam = np.repeat(block, 20)  # camouflage: every block member follows hubs and random accounts
    s = np.concatenate([s, a[m], cam, cam])
    d = np.concatenate([d, b[m], rng.choice(hubs, len(cam)), rng.integers(0, 560, len(cam))])
    res = create("dense").run(_graph(s, d, n), np.array([], dtype=np.int64), {})
    top = np.argsort(-res.scores)[: len(block)]
    assert np.isin(top, block).mean() >= 0.95
    assert res.scores[hubs].max() < 0.5
    assert all(e.signal == "graph" for e in res.evidence[int(block[0])])


def test_dense_only_among_suspects_when_given(make_block_model: BlockModel) -> None:
    src, dst, _ = make_block_model(300, 3, 0.3, 0.01)
    g = _graph(np.concatenate([src, dst]), np.concatenate([dst, src]), 300)
    suspect = np.zeros(300)
    assert create("dense").run(g, np.array([], dtype=np.int64), {SUSPECT: suspect}).scores.max() == 0
    assert create("dense").run(g, np.array([], dtype=np.int64), {}).scores.max() > 0


def test_peel_returns_densest_set() -> None:
    import scipy.sparse as sp

    k4 = [(i, j) for i in range(4) for j in range(4) if i != j]
    edges = [*k4, (4, 5), (5, 4), (5, 6), (6, 5)]
    r, c = zip(*edges, strict=True)
    sym = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(7, 7))
    best, density = peel_densest(sym, np.zeros(7), np.ones(7, dtype=bool))
    assert set(np.flatnonzero(best)) == {0, 1, 2, 3}
    assert density == pytest.approx(6 / 4)  # K4: 6 undirected edges over 4 nodes


def test_lockstep_group_found_and_organic_not() -> None:
    rng = np.random.default_rng(2)
    n, day = 400, 86_400
    s = rng.integers(0, 380, 4000)
    d = rng.integers(0, 400, 4000)
    t = rng.integers(0, 700 * day, 4000)
    group, targets = np.arange(380, 400), np.array([1, 2, 3, 4])
    gs, gd = np.meshgrid(group, targets)
    s = np.concatenate([s, gs.ravel()])
    d = np.concatenate([d, gd.ravel()])
    t = np.concatenate([t, 100 * day + rng.integers(0, day, gs.size)])
    res = create("lockstep").run(_graph(s, d, n, t), np.array([], dtype=np.int64), {})
    assert res.scores[group].min() > 0.9
    assert (res.scores[:380] > 0).sum() == 0
    assert "within 3 days" in res.evidence[380][0].text and "expected" in res.evidence[380][0].text


@pytest.mark.parametrize("friends", ["follow each other", "followed by a friend of each"])
def test_lockstep_silent_for_a_circle_of_friends_joining_together(friends: str) -> None:
    """The same twenty accounts following the same four accounts on one day, but a circle (a class, a club
    moving platforms together): each pair follows each other, or is followed by someone who follows few
    accounts. Friends act together; strangers in step are what lockstep looks for (the test above)."""
    rng = np.random.default_rng(2)
    n, day = 400, 86_400
    s, d, t = rng.integers(0, 380, 4000), rng.integers(0, 400, 4000), rng.integers(0, 700 * day, 4000)
    group, targets = np.arange(380, 400), np.array([1, 2, 3, 4])
    gs, gd = np.meshgrid(group, targets)
    s, d = np.concatenate([s, gs.ravel()]), np.concatenate([d, gd.ravel()])
    t = np.concatenate([t, 100 * day + rng.integers(0, day, gs.size)])
    if friends == "follow each other":
        a, b = np.meshgrid(group, group)
        pairs = a != b
        fs, fd = a[pairs], b[pairs]
    else:  # a few ordinary accounts, each following the whole circle and nothing else
        fs, fd = np.repeat(np.arange(370, 380), len(group)), np.tile(group, 10)
    s, d = np.concatenate([s, fs]), np.concatenate([d, fd])
    t = np.concatenate([t, rng.integers(0, 700 * day, len(fs))])
    res = create("lockstep").run(_graph(s, d, n, t), np.array([], dtype=np.int64), {})
    assert res.scores.max() == 0


def test_lockstep_silent_when_times_are_uniform_and_targets_popular() -> None:
    """The null hypothesis itself: many follows of a few popular targets at uniform random times."""
    rng = np.random.default_rng(4)
    n, day = 3000, 86_400
    s = rng.integers(0, n, 60_000)
    d = np.where(rng.random(60_000) < 0.5, rng.integers(0, 20, 60_000), rng.integers(0, n, 60_000))
    t = rng.integers(0, 120 * day, 60_000)
    res = create("lockstep").run(_graph(s, d, n, t), np.array([], dtype=np.int64), {})
    assert res.scores.max() == 0.0
    assert res.evidence == {}


def test_burst_need_is_set_where_a_window_of_either_offset_reaches_it() -> None:
    """Counting each offset's windows by hand: a target gets its Poisson threshold (at its own rate) exactly
    where its busiest window, counted at most ``max_group``, holds at least that many follows, and is out of
    reach (``max_group + 1``) elsewhere."""
    rng = np.random.default_rng(5)
    n, day, window = 300, 86_400, 3 * 86_400
    src, dst = rng.integers(0, n, 6000), rng.integers(0, n, 6000)
    t = rng.integers(-40 * day, 90 * day, 6000)  # times before the epoch floor as numpy does
    burst = np.arange(40)  # 40 accounts follow target 5 within an hour: a burst of any threshold
    src, dst = np.r_[src, burst], np.r_[dst, np.full(40, 5)]
    t = np.r_[t, 20 * day + rng.integers(0, 3600, 40)]
    tl = Timeline.of(src, dst, t, n)
    span = np.array([np.ptp(t[dst == d]) if (dst == d).any() else 0 for d in range(n)])
    assert np.array_equal(tl.span, span)
    for min_group, max_group in ((2, 200), (3, 200), (3, 30)):
        need = tl.burst_need(window, BURST_P, min_group, max_group)
        peak = np.zeros(n, dtype=np.int64)
        for offset in (0, window // 2):
            for (target, _), idx in _groups(dst, (t + offset) // window).items():
                peak[target] = max(peak[target], min(len(idx), max_group))
        rate = tl.deg * window / np.maximum(span, window)
        exact = poisson_need(rate, BURST_P, min_group, max_group + 1)
        reached = (peak >= exact) & (exact <= max_group)
        assert np.array_equal(need, np.where(reached, exact, max_group + 1))
        assert reached.sum() > 0 and (~reached & (peak >= min_group)).sum() > 0  # both kinds occur
        assert reached[5]
    with pytest.raises(ValueError, match="even"):
        tl.burst_need(window + 1, BURST_P, 3, 200)


@pytest.mark.parametrize("start_day", [0, -41.5, 17.5])  # times before the epoch; each half-window parity
def test_lockstep_pairs_match_counting_each_burst_by_hand(start_day: float) -> None:
    """Candidate pairs and their shared bursts, against a reference that buckets every event of each offset
    and pairs the members of each burst (the fast path reads only the targets that can burst)."""
    rng = np.random.default_rng(11)
    n, day, window = 400, 86_400, 3 * 86_400
    src, dst = rng.integers(0, n, 8000), rng.integers(0, n, 8000)
    t = rng.integers(0, 120 * day, 8000) + int(start_day * day)
    group = np.arange(20)  # a group that follows the same 12 targets within hours, twice over the months
    gs = np.repeat(group, 24)
    gd = np.tile(np.repeat(np.arange(300, 312), 2), 20)
    gt = (
        np.tile(np.repeat([10 * day, 70 * day], 12), 20)
        + rng.integers(0, 6 * 3600, len(gs))
        + int(start_day * day)
    )
    src, dst, t = np.r_[src, gs], np.r_[dst, gd], np.r_[t, gt]
    tl = Timeline.of(src, dst, t, n)
    min_group, max_group, min_shared = 3, 200, 3
    got = lockstep_partners(
        tl, n, window=window, min_group=min_group, max_group=max_group, min_shared=min_shared
    ).toarray()
    need = tl.burst_need(window, BURST_P, min_group, max_group)
    best = np.zeros((n, n))
    for offset in (0, window // 2):
        w = (t + offset) // window
        shared = np.zeros((n, n))
        for (target, _), idx in _groups(dst, w).items():
            members = np.unique(src[idx])
            if need[target] <= len(idx) <= max_group:
                shared[np.ix_(members, members)] += 1
        np.fill_diagonal(shared, 0)
        best = np.maximum(best, np.where(shared >= min_shared, shared, 0))
    assert np.array_equal(got, best)
    assert got[np.ix_(group, group)][~np.eye(20, dtype=bool)].min() >= 12  # the group, every pair of it


def _groups(dst: np.ndarray, w: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    order = np.lexsort((w, dst))
    keys = np.column_stack([dst[order], w[order]])
    starts = np.flatnonzero(np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)])
    ends = np.r_[starts[1:], len(order)]
    return {(int(keys[a, 0]), int(keys[a, 1])): order[a:b] for a, b in zip(starts, ends, strict=True)}


def test_poisson_need_is_the_exact_tail_quantile_capped() -> None:
    rate = np.array([1e-6, 0.01, 0.5, 2.0, 7.5, 40.0, 500.0])
    need = poisson_need(rate, 1e-3, 3, 201)
    exact = np.maximum(poisson.isf(1e-3, rate) + 1, 3)
    assert np.array_equal(need, np.minimum(exact, 201))
    assert need[-1] == 201 and need[0] == 3  # a hub's steady stream never counts; a quiet target needs 3
