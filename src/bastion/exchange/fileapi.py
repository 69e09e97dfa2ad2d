"""threatexchange's local-file exchange, made resumable: the same ``<signal_type> <value>`` lines and config
(:class:`FileCollaborationConfig`, API name ``local_file``), read in pages whose checkpoint is a byte offset,
so a sync of a million lines that is killed resumes where it stopped instead of starting again.

Two additions, both optional in a file: a line ``-<signal_type> <value>`` deletes the signal (deletions then
apply in file order), and opinions (a reviewer's verdict) are appended to ``<file>.opinions`` as
``<signal_type> <value> <category>`` (upstream appends positives to the list file itself, which would make a
false positive re-enter the list).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import typing as t
from dataclasses import dataclass
from pathlib import Path

from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.impl.file_api import FileCollaborationConfig, LocalFileSignalExchangeAPI
from threatexchange.signal_type.signal_base import SignalType

PAGE_LINES = 250_000


@dataclass
class FileCheckpoint(state.FetchCheckpointBase):
    """How far into which version of the file the sync got."""

    offset: int = 0
    size: int = 0
    mtime_ns: int = 0
    tail: str = ""  # sha-256 of the bytes just before ``offset``: the same file, or one that grew from it

    def get_progress_timestamp(self) -> int | None:
        return self.mtime_ns // 1_000_000_000 or None


Delta = state.FetchDelta[tuple[str, str], state.FetchedSignalMetadata, FileCheckpoint]


class ResumableFileExchange(LocalFileSignalExchangeAPI):
    """Pages of ``PAGE_LINES`` lines; a file that shrank or was rewritten is read again from the start."""

    page_lines: int = PAGE_LINES  # lines per delta, so per checkpoint

    @classmethod
    def get_name(cls) -> str:
        return LocalFileSignalExchangeAPI.get_name()  # "local_file": HMA clients name it so

    @staticmethod
    def get_checkpoint_cls() -> type[FileCheckpoint]:  # type: ignore[override]
        return FileCheckpoint

    def fetch_iter(  # type: ignore[override]
        self,
        _supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: FileCheckpoint | None,
    ) -> t.Iterator[Delta]:
        path = Path(self.collab.filename)
        stat = path.stat()
        with path.open("rb") as f:
            offset = 0
            resumable = checkpoint is not None and checkpoint.offset <= stat.st_size
            if checkpoint is not None and resumable and _tail(f, checkpoint.offset) == checkpoint.tail:
                offset = checkpoint.offset
            f.seek(offset)
            while True:
                lines = list(itertools.islice(f, self.page_lines))
                if not lines:
                    return
                updates: dict[tuple[str, str], state.FetchedSignalMetadata | None] = {}
                for raw in lines:
                    self._read_line(raw.decode("utf-8").strip(), updates)
                yield Delta(updates, _checkpoint(f, stat))

    def _read_line(
        self, line: str, updates: dict[tuple[str, str], state.FetchedSignalMetadata | None]
    ) -> None:
        delete = line.startswith("-")
        line = line.removeprefix("-")
        kind = self.collab.signal_type
        value = line
        if kind is None:
            kind, _, value = line.partition(" ")
        if not kind or not value:
            return
        key = (kind, value.strip())
        updates.pop(key, None)  # a later line wins, and keeps its place in the order
        updates[key] = None if delete else state.FetchedSignalMetadata()

    def report_opinion(self, s_type: type[SignalType], signal: str, opinion: state.SignalOpinion) -> None:
        category = state.SignalOpinionCategory(opinion.category).name.lower()
        path = Path(f"{self.collab.filename}.opinions")
        with path.open("a", encoding="utf-8") as f:
            f.write(f"{s_type.get_name()} {signal} {category}\n")
            f.flush()
            os.fsync(f.fileno())


def _tail(f: t.BinaryIO, offset: int) -> str:
    """A fingerprint of what was read up to ``offset`` (its last 4 KiB), to tell an appended file from a
    rewritten one of any size or time stamp."""
    start = max(0, offset - 4096)
    f.seek(start)
    return hashlib.sha256(f.read(offset - start)).hexdigest()


def _checkpoint(f: t.BinaryIO, stat: os.stat_result) -> FileCheckpoint:
    offset = f.tell()
    tail = _tail(f, offset)
    f.seek(offset)
    return FileCheckpoint(offset, stat.st_size, stat.st_mtime_ns, tail)


__all__ = ["FileCheckpoint", "FileCollaborationConfig", "ResumableFileExchange"]
