"""Link domains an operator says tie no one together: an institution's (a university, a school, a charity)
or a known marketplace's, which its holders share because they belong to it, not because they coordinate.

Detection reads a rarely shared link domain as coordination, a storefront its holders keep together
(``shared_link``, and the ties ``alike.SameItem`` reads). A class of new students who link their
university's site shows the same, and nothing in the graph tells the two apart; the operator can. A domain
allowed here covers its subdomains, is read as no one's evidence and no tie on the next run, and is still
shown in dossiers. The list is global (a university is one on every platform) and each entry says who
added it and why; every run records the list it read, so a run can be re-derived.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from bastion.core.errors import InputError
from bastion.core.textfile import read_text_file
from bastion.core.timefmt import utcnow
from bastion.store import Store
from bastion.store.tables_graph import graph_benign_domains


def link_domain(url: str) -> str:
    """The host of a link, lower case and without ``www.`` (empty when the text has none)."""
    text = url.strip()
    if not text:
        return ""
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.").lower()


def covered(host: str, allowed: frozenset[str]) -> bool:
    """Whether ``host`` is an allowed domain or one of its subdomains."""
    parts = host.split(".")
    return any(".".join(parts[k:]) in allowed for k in range(len(parts)))


@dataclass(frozen=True, slots=True)
class BenignDomain:
    domain: str
    reason: str
    added_by: str
    added_at: datetime


class BenignDomains:
    """The allowed domains in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def allow(self, domain: str, *, by: str, reason: str) -> BenignDomain:
        """Add ``domain`` (or change why it is there)."""
        (entry,) = self._write([self._entry(domain, reason, _who(by))])
        return entry

    def import_file(self, path: Path, *, by: str, reason: str = "") -> list[BenignDomain]:
        """A CSV with a ``domain`` column and a ``reason`` column (or ``reason`` for every row); a bad row
        is named by file, line and field, and nothing of the file is kept."""
        who = _who(by)
        reader = csv.DictReader(io.StringIO(read_text_file(path, "domains file")))
        if "domain" not in [h.strip() for h in reader.fieldnames or []]:
            raise InputError("needs a header row with a domain column", file=str(path), line=1)
        entries = []
        for row in reader:
            got = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
            try:
                entries.append(self._entry(got.get("domain", ""), got.get("reason", "") or reason, who))
            except InputError as exc:
                raise InputError(exc.message, file=str(path), line=reader.line_num, field=exc.field) from None
        return self._write(entries)

    def _write(self, entries: list[BenignDomain]) -> list[BenignDomain]:
        """Every entry in one transaction (all of them or none)."""
        with self.store.engine.begin() as conn:
            for e in entries:
                conn.execute(delete(graph_benign_domains).where(graph_benign_domains.c.domain == e.domain))
                conn.execute(
                    graph_benign_domains.insert().values(
                        domain=e.domain, reason=e.reason, added_by=e.added_by, added_at=e.added_at
                    )
                )
        return entries

    def remove(self, domain: str) -> bool:
        with self.store.engine.begin() as conn:
            gone = conn.execute(
                delete(graph_benign_domains).where(graph_benign_domains.c.domain == _domain(domain))
            )
        return bool(gone.rowcount)

    def all(self) -> list[BenignDomain]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(graph_benign_domains).order_by(graph_benign_domains.c.domain))
            return [BenignDomain(r.domain, r.reason, r.added_by, r.added_at) for r in rows]

    def names(self) -> frozenset[str]:
        with self.store.engine.connect() as conn:
            return frozenset(conn.execute(select(graph_benign_domains.c.domain)).scalars())

    def version(self) -> str:
        """A short digest of the list: detection built on another list starts over."""
        return hashlib.sha256("\n".join(sorted(self.names())).encode()).hexdigest()[:12]

    @staticmethod
    def _entry(domain: str, reason: str, by: str) -> BenignDomain:
        if not reason.strip():
            raise InputError("say why this domain ties no one together", field="reason")
        return BenignDomain(_domain(domain), reason.strip(), by, utcnow())


def _who(by: str) -> str:
    if not by.strip():
        raise InputError("say who allows these domains", field="by")
    return by.strip()


def _domain(text: str) -> str:
    """``text`` as a domain (a link or a bare host; ``www.`` dropped), refused where it names none."""
    host = link_domain(text)
    if not re.fullmatch(r"[\w-]+(\.[\w-]+)+", host):
        raise InputError(f"{text.strip()!r} is not a domain (e.g. northvale.edu)", field="domain")
    return host
