"""A partner's feed of shared signals, as a partner of another version or with a bug might send it.

Each signal drawn by hypothesis may lack any key or carry any type there (a string for a sequence number,
a number for a value, a list for a kind), a hash that is no hash, an expiry without its zone or that is no
time. Whatever it holds, ``incoming_signal`` gives a signal fit to store (a known kind, a normalised hash,
an expiry with its zone or none, whole sequence numbers) or refuses it naming the feed, the signal's place
and the field at fault. Derandomised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bastion.core.errors import InputError
from bastion.exchange.feed_signals import HASHES, KINDS, incoming_signal
from support.fuzzing import fuzz, json_values

PDQ = "f" * 64
junk = json_values(max_leaves=2)
fields = {
    "seq": st.one_of(st.integers(1, 99), junk),
    "version": st.one_of(st.integers(1, 99), junk),
    "kind": st.one_of(st.sampled_from(KINDS), st.sampled_from(["md5", "PDQ", ""]), junk),
    "value": st.one_of(
        st.sampled_from([PDQ, PDQ.upper(), "zz" * 32, "d41d8cd98f00b204e9800998ecf8427e", "bluefinch"]), junk
    ),
    "category": st.one_of(st.just("known_abuse_media"), junk),
    "retracted": st.one_of(st.booleans(), junk),
    "expires_at": st.one_of(
        st.none(), st.sampled_from(["2027-01-01T00:00:00Z", "2027-01-01T00:00:00", "soon"]), junk
    ),
}
signals = st.one_of(st.fixed_dictionaries({}, optional=fields), st.fixed_dictionaries(fields), junk)


@fuzz(400)
@given(signals, st.integers(1, 50))
def test_a_partner_signal_is_fit_to_store_or_refused_at_its_place_and_field(raw: Any, k: int) -> None:
    try:
        s = incoming_signal(raw, "the feed of north", k)
    except InputError as exc:
        assert (exc.file, exc.line) == ("the feed of north", k) and exc.message
        return
    assert s["kind"] in KINDS and isinstance(s["value"], str) and s["value"]
    assert isinstance(s["seq"], int) and isinstance(s["version"], int) and isinstance(s["category"], str)
    assert isinstance(s["retracted"], bool)
    assert s["expires_at"] is None or (isinstance(s["expires_at"], datetime) and s["expires_at"].tzinfo)
    if s["kind"] in HASHES:
        assert s["value"] == s["value"].lower()
