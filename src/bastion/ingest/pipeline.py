"""Read and validate a file either in this process or, for large files, in a second one.

On a 2-core machine parsing and validation (Python) and the database's own work can run side by side; a
thread would not do, because both halves need the GIL between every row. The worker sends validated batches
through a bounded queue, so memory stays at a few batches whatever the file size.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import sys
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from bastion.ingest.readers import reader_for
from bastion.ingest.schema import build_specs
from bastion.ingest.validate import BatchValidator, ValidBatch
from bastion.store.types import instant_to_driver


@dataclass(frozen=True)
class FileJob:
    table: str
    path: Path
    platform: str
    batch_rows: int
    skip: int
    dialect: str


Item = tuple[int, int, ValidBatch]  # records consumed, bytes read so far, validated batch


def validated(job: FileJob) -> Generator[Item, None, None]:
    specs = build_specs(instant_to_driver(job.dialect), sqlite=job.dialect == "sqlite")
    spec = specs[job.table]
    reader = reader_for(job.path, job.batch_rows, frozenset(spec.fields))
    validator = BatchValidator(spec, job.path.name, job.platform, reader.unit)
    for raw in reader.batches(skip=job.skip):
        yield raw.records, raw.bytes_done, validator.validate(raw)


def can_spawn() -> bool:
    """A spawned worker re-imports ``__main__`` from its file; a program read from stdin has none."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or Path(main_file).exists()


def validated_in_worker(job: FileJob, depth: int = 3) -> Generator[Item, None, None]:
    ctx = mp.get_context("spawn")
    q: mp.Queue[object] = ctx.Queue(maxsize=depth)
    proc = ctx.Process(target=_work, args=(job, q), name="bastion-ingest-reader", daemon=True)
    proc.start()
    try:
        while True:
            try:
                item = q.get(timeout=1.0)
            except queue.Empty:
                if not proc.is_alive():
                    raise RuntimeError(
                        f"ingest reader for {job.path.name} died (exit code {proc.exitcode})"
                    ) from None
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)
        q.close()


def _work(job: FileJob, q: mp.Queue[object]) -> None:
    try:
        for item in validated(job):
            q.put(item)
    except Exception as exc:  # handed to the parent, which raises it where the operator sees it
        q.put(exc)
        return
    q.put(None)
