"""Enforcement that sticks: reviewed actions delivered to the platform, network takedowns, follow-through
and ban evasion.

Signals written (kind / source):
- ``still_active`` / ``enforce``: an account still active N days after it was disabled or reported
  (evidence: decided_at, status_as_of, days_since_decision, why, text).
- ``evasion`` / ``enforce``: a new account that is a likely re-creation of one disabled by the platform
  (export ``status``) or by a Bastion action (evidence: original_account_id, original_action_id or None,
  original: who disabled it and when, evidence words).

Signals read: ``network_member`` (graph), ``hash_match`` (media), ``term_match`` (terms).

Decisions: every action references the decision it carries out (``review_decisions``); a case's final decision
reaches enforcement through :func:`decision_actions`, the handler review calls in the decision's transaction.
"""

from bastion.enforce.actions import ActionService
from bastion.enforce.connector_state import ConnectorLedger
from bastion.enforce.decision_policy import DecisionPolicy, load_decision_policy
from bastion.enforce.decisions import DecisionActions, PlannedEffect, decision_actions, preview_decision
from bastion.enforce.evasion_store import scan_evasion
from bastion.enforce.kinds import EVASION, STILL_ACTIVE
from bastion.enforce.model import ActionKind, ActionState, Decision
from bastion.enforce.settings import MIN_PRESERVATION_DAYS, EnforceSettings, load_enforce_settings
from bastion.enforce.takedown import Takedowns

__all__ = [
    "EVASION",
    "MIN_PRESERVATION_DAYS",
    "STILL_ACTIVE",
    "ActionKind",
    "ActionService",
    "ActionState",
    "ConnectorLedger",
    "Decision",
    "DecisionActions",
    "DecisionPolicy",
    "EnforceSettings",
    "PlannedEffect",
    "Takedowns",
    "decision_actions",
    "load_decision_policy",
    "load_enforce_settings",
    "preview_decision",
    "scan_evasion",
]
