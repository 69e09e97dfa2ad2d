"""Platform-export ingestion: streaming readers, contract validation, idempotent resumable loading."""

from bastion.ingest.loader import Ingestor, IngestSummary, TableSummary

__all__ = ["IngestSummary", "Ingestor", "TableSummary"]
