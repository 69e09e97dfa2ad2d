"""Who may call which route, in one table: (method, path template) -> roles and platform scope.

Every route of the service (API and console) must be here; the service refuses to start otherwise, and the
isolation test calls every route as every kind of caller against this table. Roles: ``anonymous``, the
people's ``admin``/``lead``/``reviewer``/``auditor`` (the auditor also as a token) and ``platform``.
"""

from __future__ import annotations

from bastion.api.access import EVERYONE, PEOPLE, SIGNED_IN, Rule, Scope, rule
from bastion.core.roles import Role

REVIEWERS = frozenset({Role.REVIEWER, Role.LEAD})
FIGURES = frozenset({Role.LEAD, Role.ADMIN, Role.AUDITOR})
OVERSIGHT = frozenset({Role.AUDITOR, Role.ADMIN})
DECIDE = frozenset({Role.LEAD, Role.ADMIN})

POLICY: dict[tuple[str, str], Rule] = {
    # public: load balancers and the login form
    ("GET", "/healthz"): rule(EVERYONE),
    ("GET", "/login"): rule(EVERYONE),
    ("POST", "/login"): rule(EVERYONE),
    # anyone signed in
    ("GET", "/openapi.json"): rule(SIGNED_IN, scope=Scope.OWN),
    ("GET", "/docs"): rule(SIGNED_IN, scope=Scope.OWN),
    ("GET", "/docs/init.js"): rule(SIGNED_IN, scope=Scope.OWN),
    ("GET", "/"): rule(PEOPLE),
    ("POST", "/logout"): rule(PEOPLE),
    # intake: each item is checked against the token's platform by the endpoint
    ("POST", "/v1/reports"): rule("platform", "admin", scope=Scope.OWN),
    ("GET", "/v1/reports/{platform}/{report_id}"): rule("platform", "admin", scope=Scope.OWN),
    # live events (the export contract's rows): a token writes its own platform, an admin names one
    ("POST", "/v1/events"): rule("platform", "admin", scope=Scope.OWN),
    # a Mastodon server's admin webhooks: it cannot send a token, so the endpoint checks X-Hub-Signature
    ("POST", "/v1/mastodon/webhook"): rule(EVERYONE),
    # cases (API)
    ("GET", "/v1/cases"): rule(REVIEWERS),
    ("POST", "/v1/cases/next"): rule(REVIEWERS),
    ("POST", "/v1/cases/refer"): rule(REVIEWERS),
    ("POST", "/v1/cases/{case_id}/claim"): rule(REVIEWERS),
    ("GET", "/v1/cases/{case_id}"): rule(REVIEWERS),
    ("POST", "/v1/cases/{case_id}/decision"): rule(REVIEWERS),
    ("POST", "/v1/cases/{case_id}/appeal"): rule("platform", "lead", scope=Scope.RESOURCE),
    ("POST", "/v1/cases/bulk-decision"): rule("lead"),
    # named queues: reviewers read them, a lead defines and orders their routing rules
    ("GET", "/v1/queues"): rule(REVIEWERS),
    ("POST", "/v1/queues"): rule("lead"),
    ("PUT", "/v1/queues/{queue_id}"): rule("lead"),
    ("DELETE", "/v1/queues/{queue_id}"): rule("lead"),
    ("POST", "/v1/queues/order"): rule("lead"),
    ("POST", "/v1/queues/reroute"): rule("lead"),
    # administration and oversight
    ("POST", "/v1/users"): rule("admin"),
    ("POST", "/v1/tokens"): rule("admin"),
    ("GET", "/v1/audit"): rule(OVERSIGHT),
    ("GET", "/v1/audit/verify"): rule(OVERSIGHT),
    ("GET", "/v1/stats/reviewers"): rule(FIGURES),
    ("GET", "/v1/pipeline"): rule(FIGURES),
    ("GET", "/metrics"): rule(OVERSIGHT),
    # the pipeline on demand: scans, detection and triage catch up on the live events
    ("POST", "/v1/catchup"): rule(DECIDE),
    # enforcement: decisions are a lead's, the feed is the platform's, figures are for oversight too
    ("GET", "/v1/actions"): rule("platform", "admin", scope=Scope.OWN),
    ("POST", "/v1/actions"): rule(DECIDE),
    ("POST", "/v1/actions/{action_id}/reverse"): rule(DECIDE),
    ("GET", "/v1/decisions/{decision_id}"): rule(PEOPLE),
    ("GET", "/v1/actions/{action_id}/history"): rule(PEOPLE, "platform", scope=Scope.RESOURCE),
    ("GET", "/v1/takedowns/preview"): rule(PEOPLE),
    ("POST", "/v1/takedowns"): rule(DECIDE),
    ("GET", "/v1/takedowns/{takedown_id}"): rule(PEOPLE),
    ("GET", "/v1/evasion"): rule(PEOPLE),
    ("GET", "/v1/enforcement/status"): rule(PEOPLE),
    ("GET", "/v1/deliveries/dead"): rule(FIGURES),
    # the vault checks its reader roles (BASTION_PRESERVATION_ROLES) itself and logs every attempt
    ("GET", "/v1/preservation/{item_id}"): rule(PEOPLE),
    # guards a platform calls on its request path (staff may try them)
    ("POST", "/v1/guard/search"): rule("platform", "admin", "lead", scope=Scope.OWN),
    ("POST", "/v1/guard/recommendations"): rule("platform", "admin", "lead", scope=Scope.OWN),
    ("POST", "/v1/guard/contact"): rule("platform", "admin", "lead", scope=Scope.OWN),
    ("POST", "/v1/terms/match"): rule(SIGNED_IN, scope=Scope.OWN),
    # hashes a connector computed at upload time, matched against the (global) hash lists
    ("POST", "/v1/media/match"): rule("platform", "admin", "lead", scope=Scope.OWN),
    # HMA 2.0 (OpenMediaMatch) API at its own paths: platforms hash and match, staff curate (routers/hma.py)
    ("GET", "/status"): rule(EVERYONE),
    ("GET", "/h/hash"): rule(SIGNED_IN, scope=Scope.OWN),
    ("POST", "/h/hash"): rule(SIGNED_IN, scope=Scope.OWN),
    ("GET", "/m/raw_lookup"): rule(SIGNED_IN, scope=Scope.OWN),
    ("GET", "/m/lookup"): rule(SIGNED_IN, scope=Scope.OWN),
    ("POST", "/m/lookup"): rule(SIGNED_IN, scope=Scope.OWN),
    ("GET", "/m/index/status"): rule(SIGNED_IN, scope=Scope.OWN),
    ("POST", "/m/compare"): rule(SIGNED_IN, scope=Scope.OWN),
    ("GET", "/c/banks"): rule(PEOPLE),
    ("POST", "/c/banks"): rule(DECIDE),
    ("GET", "/c/bank/{bank_name}"): rule(PEOPLE),
    ("PUT", "/c/bank/{bank_name}"): rule(DECIDE),
    ("DELETE", "/c/bank/{bank_name}"): rule(DECIDE),
    ("GET", "/c/bank/{bank_name}/content/{content_id}"): rule(PEOPLE),
    ("POST", "/c/bank/{bank_name}/content"): rule(DECIDE),
    ("PUT", "/c/bank/{bank_name}/content/{content_id}"): rule(DECIDE),
    ("DELETE", "/c/bank/{bank_name}/content/{content_id}"): rule(DECIDE),
    ("POST", "/c/bank/{bank_name}/signal"): rule(DECIDE),
    ("GET", "/c/signal_type"): rule(PEOPLE),
    ("PUT", "/c/signal_type/{signal_type_name}"): rule("admin"),
    ("GET", "/c/signal_type/index"): rule(PEOPLE),
    ("GET", "/c/content_type"): rule(PEOPLE),
    ("GET", "/c/exchanges/apis"): rule(PEOPLE),
    ("GET", "/c/exchanges/api/{api_name}"): rule(PEOPLE),
    ("POST", "/c/exchanges/api/{api_name}"): rule("admin"),
    ("POST", "/c/exchanges"): rule("admin"),
    ("GET", "/c/exchanges"): rule(PEOPLE),
    ("GET", "/c/exchange/{exchange_name}"): rule(PEOPLE),
    ("GET", "/c/exchange/{exchange_name}/status"): rule(PEOPLE),
    ("PUT", "/c/exchange/{exchange_name}"): rule("admin"),
    ("DELETE", "/c/exchange/{exchange_name}"): rule("admin"),
    # exchanges, Bastion's side: a reviewer's verdict goes back as feedback; floods wait for a lead
    ("POST", "/v1/exchange/feedback"): rule(REVIEWERS),
    ("GET", "/v1/exchange/floods"): rule(PEOPLE),
    ("POST", "/v1/exchange/floods/{flood_id}/decision"): rule(DECIDE),
    ("POST", "/v1/exchange/{exchange_name}/sync"): rule(DECIDE),
    # shared signals between Bastion instances: a partner's token reads its feed; a lead decides on incoming
    ("POST", "/v1/shared/signals"): rule(DECIDE),
    ("POST", "/v1/shared/signals/{seq}/retract"): rule(DECIDE),
    ("GET", "/v1/shared/feed"): rule("platform", scope=Scope.OWN),
    ("POST", "/v1/shared/feedback"): rule("platform", scope=Scope.OWN),
    ("GET", "/v1/shared/incoming"): rule(PEOPLE),
    ("POST", "/v1/shared/incoming/{partner}/{remote_seq}/review"): rule(DECIDE),
    ("POST", "/v1/shared/incoming/{partner}/{remote_seq}/feedback"): rule(REVIEWERS),
    ("POST", "/v1/shared/pull/{partner}"): rule(DECIDE),
    # console
    ("GET", "/queues"): rule(REVIEWERS),
    ("POST", "/cases/next"): rule(REVIEWERS),
    ("POST", "/queues/release"): rule("lead"),
    ("GET", "/queues/rules"): rule("lead"),
    ("POST", "/queues/rules"): rule("lead"),
    ("GET", "/queues/rules/{queue_id}"): rule("lead"),
    ("POST", "/queues/rules/{queue_id}"): rule("lead"),
    ("POST", "/queues/rules/{queue_id}/move"): rule("lead"),
    ("POST", "/queues/rules/{queue_id}/delete"): rule("lead"),
    ("POST", "/queues/reroute"): rule("lead"),
    ("POST", "/queues/bulk"): rule("lead"),
    ("POST", "/queues/bulk/decide"): rule("lead"),
    ("POST", "/cases/{case_id}/claim"): rule(REVIEWERS),
    ("GET", "/cases/{case_id}"): rule(REVIEWERS),
    ("GET", "/cases/{case_id}/media.png"): rule(REVIEWERS),
    ("POST", "/cases/{case_id}/reveal"): rule(REVIEWERS),
    ("POST", "/cases/{case_id}/decide"): rule(REVIEWERS),
    ("POST", "/cases/{case_id}/release"): rule(REVIEWERS),
    ("POST", "/cases/{case_id}/discount"): rule("lead"),
    ("GET", "/cases/{case_id}/members"): rule(REVIEWERS),
    ("GET", "/cases/{case_id}/preview"): rule(REVIEWERS),
    ("GET", "/cases/{case_id}/tile"): rule(REVIEWERS),
    ("GET", "/decisions/{decision_id}"): rule(PEOPLE),
    ("GET", "/takedowns/new"): rule("lead"),
    ("POST", "/takedowns"): rule("lead"),
    ("GET", "/takedowns/{takedown_id}"): rule(FIGURES),
    ("GET", "/actions"): rule(FIGURES),
    ("GET", "/actions/{action_id}"): rule(FIGURES),
    ("POST", "/actions/{action_id}/reverse"): rule("lead"),
    ("GET", "/appeals"): rule("lead"),
    ("GET", "/cybertip"): rule("lead"),
    ("POST", "/cybertip/bulk"): rule("lead"),
    ("GET", "/cybertip/{local_id}"): rule("lead"),
    ("POST", "/cybertip/{local_id}/build"): rule("lead"),
    ("POST", "/cybertip/{local_id}/submit"): rule("lead"),
    ("GET", "/investigate"): rule("lead"),
    ("GET", "/accounts/{platform}/{account_id}"): rule("lead"),
    ("POST", "/accounts/{platform}/{account_id}/refer"): rule("lead"),
    ("GET", "/transparency"): rule(FIGURES),
    ("GET", "/transparency.csv"): rule(FIGURES),
    ("GET", "/audit"): rule(OVERSIGHT),
    ("GET", "/stats"): rule(FIGURES),
    ("GET", "/deliveries"): rule(FIGURES),
    ("POST", "/deliveries/{delivery_id}/requeue"): rule("lead"),
}
