"""The signal kinds the graph capability produces: its stored output (``network_member``) and the own
signals its loader derives from ingested tables (reports, link-in-bio domains, posting pattern)."""

from __future__ import annotations

from bastion.core.signals import DEFAULT_MAX_LLR, ON_ACCOUNTS, SignalKind, register

NETWORK_MEMBER, REPORT, SHARED_LINK, STORIES_ONLY, NEW_ACCOUNT = register(
    SignalKind(
        "network_member",
        attaches_to=ON_ACCOUNTS,
        means="member of a detected network (the detector's own output, never its input)",
        strength="the member probability",
        evidence=False,
        triage_weight=0.25,
        raises_severity=True,
    ),
    SignalKind(
        "report",
        attaches_to=ON_ACCOUNTS,
        means="reported by other users (derived from the reports table)",
        strength="how far what it received is reports by credible reporters, against this platform's share "
        "(reports.py); spam reports weigh a quarter",
        member_rate=0.15,
        max_llr=DEFAULT_MAX_LLR,
        triage_weight=0.0,
        words="reported by other users (strength {v:.2f})",
        graded=True,
    ),
    SignalKind(
        "shared_link",
        attaches_to=ON_ACCOUNTS,
        means="external link domain shared with other accounts (link-in-bio hubs)",
        strength="0.5 for two holders, rising to 1 at ten",
        member_rate=0.2,
        max_llr=DEFAULT_MAX_LLR,
        triage_weight=0.0,
        words="external link domain shared with other suspects (strength {v:.2f})",
        coordination=True,
    ),
    SignalKind(
        "stories_only",
        attaches_to=ON_ACCOUNTS,
        means="posts almost only stories",
        strength="the stories share, when at least 0.8 of at most 20 posts",
        member_rate=0.3,
        max_llr=DEFAULT_MAX_LLR,
        triage_weight=0.0,
        words="posts almost only stories (ratio {v:.2f})",
        profile=True,
    ),
    SignalKind(
        "new_account",
        attaches_to=ON_ACCOUNTS,
        means="recently created account",
        strength="1 - age/90 days",
        member_rate=0.3,
        max_llr=DEFAULT_MAX_LLR,
        triage_weight=0.0,
        words="recently created account (newness {v:.2f})",
        profile=True,
    ),
)

__all__ = ["NETWORK_MEMBER", "NEW_ACCOUNT", "REPORT", "SHARED_LINK", "STORIES_ONLY"]
