"""Speaking the field's protocols: an HMA-compatible view of the hash lists (:mod:`.banks`,
:mod:`.matching`), hash exchanges through python-threatexchange with checkpoints that resume (:mod:`.sync`,
:mod:`.fileapi`), reviewers' verdicts sent back as feedback (:mod:`.feedback`) and flood protection
(:mod:`.flood`), and confirmed takedowns and leads' server bans (:mod:`.servers`) published as a Matrix
moderation policy list (:mod:`.policylist`).
Its tables are in ``store/tables_exchange.py``; it writes no signals.
"""

from bastion.exchange.apis import APIS, ApiClients
from bastion.exchange.bank_views import BankView, Content
from bastion.exchange.banks import Banks
from bastion.exchange.feedback import Feedback, FeedbackResult
from bastion.exchange.fileapi import FileCheckpoint, ResumableFileExchange
from bastion.exchange.flood import Flood, FloodGuard
from bastion.exchange.matching import CONTENT_TYPES, Matching, content_type_of, hash_media
from bastion.exchange.policylist import PolicyListPublisher, PublishResult, plan_rules
from bastion.exchange.servers import ServerBans, check_server
from bastion.exchange.service import ExchangeService
from bastion.exchange.settings import ExchangeSettings
from bastion.exchange.shared import SIGNATURE, SharedSignals, identifier_hmac
from bastion.exchange.sync import Exchanges, SyncResult

__all__ = [
    "APIS",
    "CONTENT_TYPES",
    "SIGNATURE",
    "ApiClients",
    "BankView",
    "Banks",
    "Content",
    "ExchangeService",
    "ExchangeSettings",
    "Exchanges",
    "Feedback",
    "FeedbackResult",
    "FileCheckpoint",
    "Flood",
    "FloodGuard",
    "Matching",
    "PolicyListPublisher",
    "PublishResult",
    "ResumableFileExchange",
    "ServerBans",
    "SharedSignals",
    "SyncResult",
    "check_server",
    "content_type_of",
    "hash_media",
    "identifier_hmac",
    "plan_rules",
]
