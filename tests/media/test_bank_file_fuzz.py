"""A hash-list file as a partner or an operator might send it: it loads, or it is refused with a clear error.

Hypothesis writes CSV, JSON and threatexchange text files: valid PDQ and MD5 values beside truncated and
non-hex ones, unknown signal types, missing and extra columns, JSON whose lists, entries, tags or values
are of the wrong type, and text lines of any shape. Whatever the file: ``read_bank_file`` gives its
records, each a known signal type with a validated value, or raises an ``InputError`` naming the file;
never another error. Derandomised.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bastion.core.errors import InputError
from bastion.media.banks import SIGNAL_TYPES, read_bank_file
from support.fuzzing import fuzz, json_values

PDQ = "f" * 64
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
types = st.sampled_from(["pdq", "PDQ", "video_md5", "md5", "vpdq", "sha1", "", " pdq "])
values = st.one_of(
    st.sampled_from([PDQ, MD5, PDQ[:-1], "zz" * 32, "", "0" * 64, "=cmd|' /C calc'!A0"]), st.text(max_size=70)
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
anything = json_values(max_leaves=6)
entries = st.fixed_dictionaries(
    {"type": st.one_of(types, scalars), "value": st.one_of(values, scalars)},
    optional={
        "list": st.one_of(st.sampled_from(["partner", ""]), scalars),
        "tags": anything,
        "note": anything,
    },
)


def _csv(header: list[str], rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue()


files = st.one_of(
    st.tuples(
        st.just(".csv"),
        st.builds(
            _csv,
            st.one_of(
                st.just(["type", "value", "list", "tags", "note"]),
                st.lists(st.sampled_from(["type", "value", "list", "tags", "x"]), max_size=5),
            ),
            st.lists(entries, max_size=6),
        ),
    ),
    st.tuples(
        st.just(".json"),
        st.one_of(
            st.builds(lambda e: json.dumps(e), st.lists(entries, max_size=6)),
            st.builds(
                lambda lists, e: json.dumps({"lists": lists, "entries": e}),
                anything,
                st.one_of(st.lists(entries, max_size=4), anything),
            ),
            st.text(max_size=30),
        ),
    ),
    st.tuples(
        st.just(".txt"),
        st.builds(
            lambda lines: "\n".join(lines),
            st.lists(
                st.one_of(st.builds(lambda t, v: f"{t} {v}", types, values), st.text(max_size=20)), max_size=6
            ),
        ),
    ),
)


@fuzz(300)
@given(files)
def test_a_hash_list_file_loads_or_is_refused_naming_the_file(tmp_path: Path, file: tuple[str, str]) -> None:
    suffix, text = file
    path = tmp_path / f"partner{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        bank = read_bank_file(path, list_name=None if suffix != ".txt" else "partner")
    except InputError as exc:
        assert exc.file == str(path) and exc.message
        return
    for record in bank.records:
        assert record.signal_type in SIGNAL_TYPES and record.value
