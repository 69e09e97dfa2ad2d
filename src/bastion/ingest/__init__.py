"""Platform-export ingestion: streaming readers, contract validation, idempotent resumable loading."""

from bastion.ingest.events import Ack, EventLog, Prepared
from bastion.ingest.loader import Ingestor, IngestSummary, TableSummary

__all__ = ["Ack", "EventLog", "IngestSummary", "Ingestor", "Prepared", "TableSummary"]
