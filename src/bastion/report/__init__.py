"""CyberTipline reports and evidence preservation.

Reports are drafted by the decision policy when a final review decision calls for one (each draft names its
case and decision), built into XML validated against NCMEC's schema from the store as it is then, and
submitted to NCMEC's test environment unless an operator configures production. Preserved contents are
encrypted, kept at least a year (18 U.S.C. 2258A(h)) and purged on schedule, every read and purge recorded.
"""

from bastion.report.client import CyberTipError, CyberTiplineClient
from bastion.report.preservation import AccessDenied, PreservationVault
from bastion.report.schema import InvalidReport, validate
from bastion.report.service import BuiltReport, CyberTipService, SubmitResult, reports_for_decision

__all__ = [
    "AccessDenied",
    "BuiltReport",
    "CyberTipError",
    "CyberTipService",
    "CyberTiplineClient",
    "InvalidReport",
    "PreservationVault",
    "SubmitResult",
    "reports_for_decision",
    "validate",
]
