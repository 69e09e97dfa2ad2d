"""Platform calibration: EM re-values each view of the evidence on the platform itself, never upward."""

from __future__ import annotations

import numpy as np

from bastion.graph.calibrate import EDGES, FULL_MEMBERS, MIN_MEMBERS, Calibration, calibrate
from bastion.graph.model import SEED, logit, sigmoid
from bastion.graph.views import ASSOCIATED, OWN


def _platform(n: int = 20_000, members: int = 400, stray: int = 2_000) -> dict[str, np.ndarray]:
    """Members show several own signals and ties; ordinary accounts with one stray signal look like a
    weak member to naive Bayes (+1.5 log-odds) but never have ties."""
    rng = np.random.default_rng(3)
    own = np.full(n, -0.5)
    assoc = np.zeros(n)
    own[:members] = rng.uniform(3.0, 6.0, members)
    assoc[: members - 40] = rng.uniform(1.0, 5.0, members - 40)
    own[members : members + stray] = 1.5
    return {OWN: own, ASSOCIATED: assoc, SEED: np.zeros(n)}


def test_a_stray_signal_common_among_ordinary_accounts_is_worth_less() -> None:
    views = _platform()
    stated = sum(views.values())
    cal = calibrate(views, 0.03)
    before = sigmoid(logit(0.03) + stated)
    after = sigmoid(logit(cal.prior) + cal.evidence)
    stray = slice(400, 2_400)
    assert before[stray].mean() > 0.1  # naive Bayes: one in ten of them would be a member
    assert after[stray].mean() < 0.02  # the platform says they are not
    assert np.median(after[:400]) > 0.9  # the members stay members
    assert abs(cal.prior - 400 / 20_000) < 0.01


def test_curves_are_monotone_never_above_a_bin_and_keep_the_order_of_the_strongest() -> None:
    views = _platform()
    cal = calibrate(views, 0.03)
    for name, curve in cal.curves.items():
        assert np.all(np.diff(curve.worth) >= 0), name
        x = views[name]
        assert float(np.max(curve(x) - x)) <= 1.5, name  # at most up to the largest stated value in a bin
    top = np.argsort(-views[OWN], kind="stable")[:50]
    calibrated = cal.curves[OWN](views[OWN][top])
    assert np.all(np.diff(calibrated) < 0)  # the strongest are still ranked among themselves


def test_deterministic_and_stated_model_kept_without_members_to_learn_from() -> None:
    views = _platform()
    a, b = calibrate(views, 0.03), calibrate(views, 0.03)
    assert np.array_equal(a.evidence, b.evidence) and a.prior == b.prior
    small = {k: v[:2_000] for k, v in views.items()}
    prior = (MIN_MEMBERS - 1) / 2_000
    drawn: list[str] = []

    def null() -> np.ndarray:
        drawn.append(ASSOCIATED)
        return np.zeros(13)

    kept = calibrate(small, prior, chance={ASSOCIATED: null})
    assert not drawn  # the stated model stands: no null is drawn for it
    assert not kept.curves and kept.prior == prior
    assert np.array_equal(kept.evidence, sum(small.values()))
    assert "stated model" in kept.words()


def test_near_the_line_the_estimate_is_weighed_in_gradually() -> None:
    """Between ``MIN_MEMBERS`` and ``FULL_MEMBERS`` expected members the estimate counts in proportion, so
    a platform near the line does not flip between two models when a few accounts change."""
    views = {k: v[:4_000] for k, v in _platform().items()}
    stated = sum(views.values())
    n = len(stated)
    full = calibrate(views, FULL_MEMBERS / n)
    half = calibrate(views, (MIN_MEMBERS + FULL_MEMBERS) / 2 / n)
    edge = calibrate(views, (MIN_MEMBERS + 1) / n)
    assert full.weight == 1.0 and half.weight == 0.5 and 0.0 < edge.weight < 0.05
    assert "weighed at 50%" in half.words() and "weighed" not in full.words()
    moved = np.abs(full.evidence - stated) > 0.5
    assert moved.sum() > 100
    # each account part of the way from the stated evidence toward the estimate, in the same direction
    assert np.all(np.sign(half.evidence - stated)[moved] == np.sign(full.evidence - stated)[moved])
    assert np.all(np.abs(half.evidence - stated)[moved] < np.abs(full.evidence - stated)[moved])
    assert np.abs(edge.evidence - stated).max() < 0.1
    for name, curve in half.curves.items():
        assert np.all(np.diff(curve.worth) >= 0), name


def test_a_realistic_platform_is_calibrated_and_the_dossier_says_so(make_block_model) -> None:  # type: ignore[no-untyped-def]
    """On a platform with enough members to learn from, the score is the calibrated posterior, stray
    signals of ordinary accounts count less than naive Bayes says, and members' evidence names it."""
    from bastion.graph import detect
    from bastion.graph.model import combine
    from bastion.graph.plant import NETWORK_LABELS, PlantConfig, plant

    src, dst, _ = make_block_model(2500, 10, 0.03, 0.002, seed=4)
    world = plant(src, dst, 2500, PlantConfig(sellers=150, buyers=30, cells=6, seed=4))
    det = detect(world.graph, world.seeds)
    cal = det.calibration
    assert cal is not None and cal.curves
    assert np.allclose(det.score, sigmoid(logit(det.prior) + cal.evidence))
    stated = sigmoid(logit(det.prior) + combine(det.features, det.weights, det.names.all))
    ordinary = ~np.isin(world.label, NETWORK_LABELS)
    stray = ordinary & (cal.shift < -0.5)
    assert stray.sum() >= 20 and det.score[stray].mean() < stated[stray].mean()
    members = [m for n in det.networks for m in n.members]
    texts = [e.text for m in members for e in m.evidence if e.signal == "score"]
    assert any("re-valued on this platform" in t for t in texts)
    flagged = [world.graph.index[m.account_id] for m in members]
    assert np.isin(world.label[flagged], NETWORK_LABELS).mean() >= 0.95


def test_own_signals_are_read_for_the_side_they_show() -> None:
    """Own view: a searcher is not counted down for lacking a seller's signals, a seller not for lacking a
    search; an account that shows nothing is counted down for all it lacks."""
    from bastion.graph.model import FeatureSet, Weights
    from bastion.graph.signals import BLOCKED_SEARCH, STORIES_ONLY, TERM_MATCH
    from bastion.graph.views import views

    names = FeatureSet.of([TERM_MATCH, STORIES_ONLY, BLOCKED_SEARCH])
    feats = {  # accounts: nothing at all, a searcher, a seller with one kind, a seller who also searched
        TERM_MATCH: np.array([-0.3, -0.3, 1.2, 1.2]),
        STORIES_ONLY: np.array([-0.2, -0.2, -0.2, -0.2]),
        BLOCKED_SEARCH: np.array([-0.1, 1.9, -0.1, 1.9]),
    }
    own = views(feats, Weights(), names)[OWN]
    np.testing.assert_allclose(own, [-0.6, 1.9, 1.0, 3.1])


def test_an_account_that_reaches_sellers_far_beyond_chance_is_read_for_the_buyer_side() -> None:
    """Most buyers never search: one whose reach is as strong as association may say shows the buyer side
    by what it did and is counted down only for lacking a search; one chance contact or two (reach below
    the cap) shows no side, and a seller's signal keeps the seller side."""
    from bastion.graph.association import MAX_LLR
    from bastion.graph.model import REACH, TIE, FeatureSet, Weights
    from bastion.graph.signals import BLOCKED_SEARCH, STORIES_ONLY, TERM_MATCH
    from bastion.graph.views import views

    names = FeatureSet.of([TERM_MATCH, STORIES_ONLY, BLOCKED_SEARCH])
    feats = {  # accounts: reach at the cap, reach below it, reach at the cap and a seller's signal, and
        # reach below the cap with the rest counted as a tie (sellers that follow the buyer back)
        TERM_MATCH: np.array([-0.3, -0.3, 1.2, -0.3]),
        STORIES_ONLY: np.array([-0.2, -0.2, -0.2, -0.2]),
        BLOCKED_SEARCH: np.array([-0.1, -0.1, -0.1, -0.1]),
        REACH: np.array([MAX_LLR, MAX_LLR - 1.0, MAX_LLR, MAX_LLR - 2.0]),
        TIE: np.array([0.0, 0.0, 0.0, 2.0]),
    }
    own = views(feats, Weights(), names)[OWN]
    np.testing.assert_allclose(own, [-0.1, -0.6, 1.0, -0.1])


def test_a_searcher_who_reaches_no_strong_account_is_read_as_a_curious_user() -> None:
    """A search and its reach are one behaviour: a searcher with no association at all has the search taken
    back in the association view (a customer reaches sellers; a curious user does not) and lacks what any
    account without association lacks (FLOOR), so a weak searcher is not counted down less for reaching no
    one than an account that never searched; a searcher who reaches strong accounts, or who also shows a
    seller's signal, keeps its view as it is."""
    from bastion.graph.model import REACH, TIE, FeatureSet, Weights
    from bastion.graph.signals import BLOCKED_SEARCH, TERM_MATCH
    from bastion.graph.views import FLOOR, views

    names = FeatureSet.of([TERM_MATCH, BLOCKED_SEARCH])
    feats = {  # a lone searcher, a weak one, one who reaches sellers, a seller who searched, nothing
        TERM_MATCH: np.array([-0.3, -0.3, -0.3, 1.2, -0.3]),
        BLOCKED_SEARCH: np.array([1.6, 0.2, 1.6, 1.6, -0.1]),
        TIE: np.zeros(5),
        REACH: np.array([0.0, 0.0, 2.0, 0.0, 0.0]),
    }
    assoc = views(feats, Weights(), names)[ASSOCIATED]
    np.testing.assert_allclose(assoc, [FLOOR - 1.6, FLOOR - 0.2, 2.0, 0.0, 0.0])
    assert assoc[1] < FLOOR  # below what the absence of association may say against anyone else


def test_a_new_account_that_searched_once_and_reaches_no_one_is_read_as_a_curious_user() -> None:
    """A profile trait says how an account is used, not what it did: a new account whose search reaches no
    strong account has the search taken back as any curious user's (on CA-GrQc such an account was flagged
    at 0.50, its search read in full beside its newness); one that also shared a seller's link domain (an
    act) keeps its view as it is."""
    from bastion.graph.kinds import NEW_ACCOUNT, SHARED_LINK
    from bastion.graph.model import REACH, TIE, FeatureSet, Weights
    from bastion.graph.signals import BLOCKED_SEARCH
    from bastion.graph.views import FLOOR, views

    names = FeatureSet.of([NEW_ACCOUNT, SHARED_LINK, BLOCKED_SEARCH])
    feats = {  # a new account that searched, a new one that searched and shares a link domain
        NEW_ACCOUNT: np.array([2.0, 2.0]),
        SHARED_LINK: np.array([-0.2, 1.5]),
        BLOCKED_SEARCH: np.array([2.1, 2.1]),
        TIE: np.zeros(2),
        REACH: np.zeros(2),
    }
    assoc = views(feats, Weights(), names)[ASSOCIATED]
    np.testing.assert_allclose(assoc, [FLOOR - 2.1, 0.0])


def test_a_cell_member_with_no_association_is_not_counted_down_for_lacking_it() -> None:
    """A silent seller whose cell-mates are weak one by one has no strong contact, and its cell reads those
    ties together: the association view does not apply to it (NaN), as the cell view does not apply to a
    buyer outside every cell. One only weakly inside its group (a user pulled toward a cell, one that
    reported the members it follows) keeps the absence, and so does one whose reports count against its
    association: that is evidence, not an absence."""
    from bastion.graph.model import CELL, REACH, TIE, FeatureSet, Weights
    from bastion.graph.signals import TERM_MATCH
    from bastion.graph.views import INSIDE_CELL, views

    names = FeatureSet.of([TERM_MATCH])
    w = Weights()
    inside = INSIDE_CELL / w[CELL]
    feats = {  # silent in a cell; weakly inside one; in a cell reaching sellers, reporting them; none
        TERM_MATCH: np.full(5, -0.3),
        CELL: np.array([inside, 0.5 * inside, inside, inside, 0.0]),
        TIE: np.zeros(5),
        REACH: np.array([0.0, 0.0, 1.5, -0.8, 0.0]),
    }
    assoc = views(feats, w, names)[ASSOCIATED]
    assert np.isnan(assoc[0])
    np.testing.assert_allclose(assoc[1:], [0.0, 1.5 * w[REACH], -0.8 * w[REACH], 0.0])


def test_a_bin_stated_below_the_floor_keeps_its_stated_worth() -> None:
    """FLOOR bounds what an absence may say against, but a bin stated lower (a lone searcher's) is not lifted
    to it: EM may never value evidence above what the model states."""
    views = _platform()
    assoc = views[ASSOCIATED].copy()
    assoc[3_000:3_050] = -2.6  # fifty lone searchers among the ordinary accounts
    views[ASSOCIATED] = assoc
    cal = calibrate(views, 0.03)
    curve = cal.curves[ASSOCIATED]
    assert curve.centres[0] == -2.6 and curve.worth[0] == -2.6
    assert curve.worth[1] >= -1.0  # everyone else's absence is bounded by FLOOR as before


def test_with_one_view_that_varies_the_stated_model_and_prior_stand() -> None:
    """Reports and nothing else: only the own view varies, and one view fits any share of members as well as
    another, so EM would drift; the stated model stands with the run's stated prior, and says why."""
    views = _platform()
    views[ASSOCIATED] = np.zeros(len(views[OWN]))
    cal = calibrate(views, 0.1, 0.005)
    assert not cal.curves and cal.prior == 0.005
    assert np.array_equal(cal.evidence, views[OWN])
    assert "1 view of the evidence varies here" in cal.words()
    assert calibrate(_platform(), 0.03, 0.005).curves  # two views vary: calibrated as before


def test_lacking_own_signals_may_count_less_against_never_for() -> None:
    """Where most members show no signal of their own (buyers who never search, found by their reach), the
    own view's bin of accounts that lack everything is re-valued toward what the platform shows, but never
    above zero, and no other view's bin rises above its stated value."""
    rng = np.random.default_rng(5)
    n, members = 20_000, 600
    own = np.full(n, -1.5)  # stated: lacking every signal counts -1.5
    own[:200] = rng.uniform(3.0, 6.0, 200)  # sellers show signals; 400 buyers show none
    assoc = np.zeros(n)
    assoc[:members] = rng.uniform(4.0, 6.0, members)
    views = {OWN: own, ASSOCIATED: assoc, SEED: np.zeros(n)}
    cal = calibrate(views, 0.03)
    lacking = cal.curves[OWN](np.array([-1.5]))[0]
    assert -1.5 < lacking <= 0.0
    x = views[ASSOCIATED]
    assert float(np.max(cal.curves[ASSOCIATED](x) - x)) <= 2.0  # at most the largest stated value in a bin
    after = sigmoid(logit(cal.prior) + cal.evidence)
    assert np.median(after[200:members]) > np.median(sigmoid(logit(0.03) + sum(views.values()))[200:members])


def test_a_buyer_outside_every_cell_is_not_read_by_the_cell_view() -> None:
    """Cells are sellers' circles: for an account that shows the buyer side and is in no cell the cell view
    does not apply (NaN), so it adds nothing to its evidence and nothing to the bin of accounts outside
    cells, whose worth is estimated from sellers and ordinary accounts alone."""
    from bastion.graph.association import MAX_LLR
    from bastion.graph.model import CELL, REACH, FeatureSet, Weights
    from bastion.graph.signals import BLOCKED_SEARCH, TERM_MATCH
    from bastion.graph.views import views

    names = FeatureSet.of([TERM_MATCH, BLOCKED_SEARCH])
    feats = {  # a searcher, a saturated reacher, a seller outside cells, a buyer inside a cell, nothing
        TERM_MATCH: np.array([-0.3, -0.3, 1.2, -0.3, -0.3]),
        BLOCKED_SEARCH: np.array([1.6, -0.1, -0.1, 1.6, -0.1]),
        REACH: np.array([2.0, MAX_LLR, 0.0, 2.0, 0.0]),
        CELL: np.array([0.0, 0.0, 0.0, 0.8, 0.0]),
    }
    cell = views(feats, Weights(), names)[CELL]
    assert np.isnan(cell[:2]).all() and np.array_equal(cell[2:], [0.0, 0.8, 0.0])

    rng = np.random.default_rng(9)
    n = 20_000
    v = _platform(n)
    cells = np.zeros(n)
    cells[:300] = rng.uniform(1.0, 2.5, 300)
    cells[300:400] = np.nan  # members outside cells that show the buyer side
    v["cell"] = cells
    cal = calibrate(v, 0.03)
    assert cal.curves["cell"].accounts.sum() == n - 100
    with_nan = cal.evidence[300:400]
    read = sum(cal.curves[k](np.nan_to_num(v[k][300:400], nan=0.0)) for k in (OWN, ASSOCIATED, SEED))
    np.testing.assert_allclose(with_nan, read)  # the cell view added nothing for them
    assert np.isfinite(cal.evidence).all() and np.isfinite(cal.shift).all()


def test_a_cell_may_be_worth_more_than_stated_up_to_what_one_cell_may_say() -> None:
    """A silent seller's cell is all there is to see of it: where accounts in cells are nearly all members,
    the cell view's bins rise above their stated values, never above ``cells.CELL_MAX``, while the bin of
    accounts outside cells keeps counting against and no other view rises."""
    from bastion.graph.cells import CELL_MAX

    n = 20_000
    v = _platform(n)
    cells = np.zeros(n)
    cells[:300] = 2.0  # members with signals, in cells
    cells[300:400] = 0.7  # silent members, in cells: a deep discount on a dense platform
    cells[5_000:5_005] = 0.7  # a few ordinary accounts in chance groups
    v["cell"] = cells
    cal = calibrate(v, 0.03)
    curve = cal.curves["cell"]
    assert curve(np.array([0.7]))[0] > 1.2
    assert float(curve.worth.max()) <= CELL_MAX
    assert curve(np.array([0.0]))[0] < 0.0
    x = v[ASSOCIATED]
    assert float(np.max(cal.curves[ASSOCIATED](x) - x)) <= 1.5


def test_a_bin_nothing_else_tells_apart_keeps_what_the_stated_model_says() -> None:
    """Buyers seen by their association alone (own signals as an ordinary account's, nothing else): any
    worth of their bin fits the data, so the priors decide it; both classes' priors follow the stated
    ratios, so it stays near the stated value rather than drifting toward ordinary as it did with an even
    spread of the ordinary class's prior (to about 4 where 6 is stated, on the email bench)."""
    views = _platform(1_000, 60, 100)  # a small platform, where the pull of each prior weighs the most
    views[ASSOCIATED][-40:] = 6.0  # 40 of the ordinary-looking accounts reach strong sellers
    cal = calibrate(views, 0.1)
    curve = cal.curves[ASSOCIATED]
    assert abs(curve.centres[-1] - 6.0) < 1e-9
    assert curve.worth[-1] > 5.5  # it was 3.2
    after = sigmoid(logit(cal.prior) + cal.evidence)
    assert after[-40:].min() > 0.9  # it was 0.32


def test_accounts_a_bin_holds_beyond_chance_are_members_at_least() -> None:
    """Buyers seen by their association alone look like ordinary accounts in every other view, so EM alone
    reads them as ordinary accounts that lack signals (0.2 on the email bench, all of them buyers). The
    platform's null says how many accounts chance alone puts in each bin of the view: where a bin holds far
    more, the rest are members at least, and they are read so, never above the bin's stated value; where
    chance gives as many as the bins hold (a recommender pulling users toward sellers), nothing moves."""
    rng = np.random.default_rng(11)
    n, sellers, buyers = 20_000, 300, 300
    own = np.full(n, -1.0)  # lacking every signal: what buyers who never search and ordinary accounts show
    own[:sellers] = rng.uniform(3.0, 6.0, sellers)
    assoc = np.zeros(n)
    assoc[:sellers] = rng.uniform(1.0, 5.0, sellers)
    alone = slice(sellers, sellers + buyers)
    assoc[alone] = rng.uniform(2.6, 4.4, buyers)  # two bins: [2.5, 3.5) and [3.5, 4.5)
    views = {OWN: own, ASSOCIATED: assoc, SEED: np.zeros(n)}
    bins = np.searchsorted(EDGES, assoc, side="right")
    held = np.bincount(bins, minlength=len(EDGES) + 1).astype(np.float64)
    positive = np.arange(len(EDGES) + 1) > np.searchsorted(EDGES, 0.0, side="right")

    plain = calibrate(views, 0.03)
    rare = calibrate(views, 0.03, chance={ASSOCIATED: lambda: np.where(positive, 0.02 * held, np.inf)})
    common = calibrate(views, 0.03, chance={ASSOCIATED: lambda: np.where(positive, held, np.inf)})

    def scores(c: Calibration) -> np.ndarray:
        return np.asarray(sigmoid(logit(c.prior) + c.evidence))

    assert np.median(scores(plain)[alone]) < 0.5  # EM alone: the buyers read as ordinary accounts
    assert np.median(scores(rare)[alone]) > np.median(scores(plain)[alone]) + 0.2
    np.testing.assert_allclose(scores(common), scores(plain))  # chance gives all: as without a null
    x = views[ASSOCIATED]
    assert float(np.max(rare.curves[ASSOCIATED](x) - x)) <= 1.0  # at most the largest stated value in a bin
    assert scores(rare)[sellers + buyers :].max() < 0.05  # no ordinary account moved toward membership
    assert rare.curves[ASSOCIATED].to_json()["chance"][0] is None  # the bins chance is not read for
    assert "association read against chance" in rare.words() and "chance" not in plain.words()


def test_buyers_seen_by_association_alone_are_read_against_chance_on_a_planted_platform(
    make_block_model,
) -> None:  # type: ignore[no-untyped-def]
    """A planted network with twice as many buyers as sellers, most of whom never search: the run reads
    the association view against the platform's own null, and the buyers that reach sellers far beyond
    chance with no signal of their own are scored as the members they are (median 0.62 without the null),
    while no ordinary account comes near membership."""
    from bastion.graph import detect
    from bastion.graph.plant import BUYER, NETWORK_LABELS, PlantConfig, plant
    from bastion.graph.views import views

    src, dst, _ = make_block_model(2500, 10, 0.03, 0.002, seed=6)
    world = plant(src, dst, 2500, PlantConfig(sellers=60, buyers=120, cells=4, seed=6))
    det = detect(world.graph, [])
    assert det.calibration is not None and "association read against chance" in det.calibration.words()
    v = views(det.features, det.weights, det.names)
    alone = (world.label == BUYER) & (v[OWN] <= 0.0) & (v[ASSOCIATED] >= 2.5)
    assert alone.sum() >= 40
    assert np.median(det.score[alone]) > 0.72
    assert det.score[~np.isin(world.label, NETWORK_LABELS)].max() < 0.5
