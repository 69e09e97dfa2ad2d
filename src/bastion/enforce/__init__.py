"""Enforcement that sticks: reviewed actions delivered to the platform, network takedowns, follow-through
and ban evasion.

Signals written (kind / source):
- ``still_active`` / ``enforce``: an account still active N days after it was disabled or reported
  (evidence: decided_at, status_as_of, days_since_decision, why, text).
- ``evasion`` / ``enforce``: a new account that is a likely re-creation of one disabled by the platform
  (export ``status``) or by a Bastion action (evidence: original_account_id, original_action_id or None,
  original: who disabled it and when, evidence words).

Signals read: ``network_member`` (graph), ``hash_match`` (media), ``term_match`` (terms).
"""

from bastion.enforce.actions import ActionService
from bastion.enforce.evasion_store import scan_evasion
from bastion.enforce.kinds import EVASION, STILL_ACTIVE
from bastion.enforce.model import ActionKind, Decision
from bastion.enforce.takedown import Takedowns

__all__ = ["EVASION", "STILL_ACTIVE", "ActionKind", "ActionService", "Decision", "Takedowns", "scan_evasion"]
