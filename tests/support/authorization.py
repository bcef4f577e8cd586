"""The authorization matrix's table: every route × every role, expected outcome written down once.

Outcomes: ``Y`` allowed by the guard, ``N`` denied by the guard (401/403), ``F`` admitted by the guard but
refused for this object (403), ``H`` admitted but the object is invisible (404). The test that walks the
app's route table against it is ``tests/integration/test_authorization_matrix.py``.
"""

from __future__ import annotations

# -- roles ---------------------------------------------------------------------------------------------
ROLES: dict[str, str | None] = {
    "anon": None,
    "ent_a": "enterprise-a",
    "ent_b": "enterprise-b",
    "insp_x": "inspector-mkt1",  # inspector of unit X (MKT), named on the world's visit
    "insp_y": "inspector-fire1",  # inspector of unit Y (FIRE)
    "planner": "planner-mkt",
    "approver": "approver-mkt",
    "supervisor": "supervisor",
    "admin": "admin",
}
ROLE_NAMES = tuple(ROLES)

Y, N, F, H = "Y", "N", "F", "H"
Row = dict[str, str]


def allow(*roles: str, **cells: str) -> Row:
    """A row: ``roles`` (or a group) allowed, everyone else denied by the guard; ``cells`` override one role."""
    unknown = (set(roles) | set(cells)) - set(ROLE_NAMES)
    assert not unknown, unknown
    row = {role: (Y if role in roles else N) for role in ROLE_NAMES}
    row.update(cells)
    return row


EVERYONE = ROLE_NAMES
LOGGED_IN = tuple(r for r in ROLE_NAMES if r != "anon")
ENTERPRISES = ("ent_a", "ent_b")
STAFF = ("insp_x", "insp_y", "planner", "approver", "supervisor", "admin")  # api.auth.STAFF + admin
SUPERVISION = ("supervisor", "admin")
PLANNERS = ("planner", "admin")
APPROVERS = ("approver", "admin")
FILERS = ("planner", "insp_x", "insp_y", "admin")  # file visits and non-site records
METRICS_READERS = ("planner", "approver", "supervisor", "admin")

# -- the table ---------------------------------------------------------------------------------------
# Path parameters: the visit is unit MKT's approved visit of enterprise A, with inspectors MKT-C1 (insp_x)
# and MKT-C2; state-changing visit routes act on a second, filed MKT visit of A (``visit_c``).
EXPECTED: dict[tuple[str, str], Row] = {
    # system and auth
    ("GET", "/"): allow(*EVERYONE),  # the landing page
    ("GET", "/health"): allow(*EVERYONE),
    ("GET", "/static/{file_path}"): allow(*EVERYONE),  # docs assets, favicon: no data
    ("POST", "/api/v1/auth/login"): allow(*EVERYONE),
    ("GET", "/api/v1/auth/me"): allow(*LOGGED_IN),
    ("POST", "/api/v1/auth/logout"): allow(*LOGGED_IN),  # ends the caller's own tokens (the matrix restores them)
    ("POST", "/api/v1/users"): allow("admin"),
    ("PATCH", "/api/v1/users/{username}"): allow("admin"),
    # registry
    ("GET", "/api/v1/units"): allow(*LOGGED_IN),
    ("POST", "/api/v1/units"): allow("admin"),
    ("GET", "/api/v1/units/{code}"): allow(*LOGGED_IN),
    ("PATCH", "/api/v1/units/{code}"): allow("admin"),
    ("GET", "/api/v1/inspectors"): allow(*STAFF),
    ("POST", "/api/v1/inspectors"): allow("admin"),
    ("GET", "/api/v1/inspectors/{inspector_id}"): allow(*STAFF, insp_y=H),  # unit roles: own unit's only
    ("PATCH", "/api/v1/inspectors/{inspector_id}"): allow("admin"),
    ("GET", "/api/v1/enterprises"): allow(*LOGGED_IN),
    ("POST", "/api/v1/enterprises"): allow("admin"),
    ("GET", "/api/v1/enterprises/{uscc}"): allow(*LOGGED_IN, ent_b=H),
    ("PATCH", "/api/v1/enterprises/{uscc}"): allow(*SUPERVISION),
    # the three lists
    ("GET", "/api/v1/items"): allow(*LOGGED_IN),
    ("POST", "/api/v1/items"): allow(*PLANNERS),
    ("GET", "/api/v1/items/{code}"): allow(*LOGGED_IN),
    ("PATCH", "/api/v1/items/{code}"): allow(*PLANNERS),
    ("POST", "/api/v1/items/{code}/retire"): allow(*PLANNERS),
    ("GET", "/api/v1/items/{code}/history"): allow(*STAFF),
    ("GET", "/api/v1/scenarios"): allow(*LOGGED_IN),
    ("POST", "/api/v1/scenarios"): allow(*PLANNERS),
    ("GET", "/api/v1/scenarios/{code}"): allow(*LOGGED_IN),
    ("PATCH", "/api/v1/scenarios/{code}"): allow(*PLANNERS),
    ("POST", "/api/v1/scenarios/{code}/retire"): allow(*PLANNERS),
    ("GET", "/api/v1/scenarios/{code}/history"): allow(*STAFF),
    ("GET", "/api/v1/library"): allow(*LOGGED_IN),
    ("POST", "/api/v1/library"): allow(*PLANNERS),
    ("GET", "/api/v1/library/{item_code}"): allow(*LOGGED_IN),
    ("PATCH", "/api/v1/library/{item_code}"): allow(*PLANNERS),
    ("POST", "/api/v1/library/{item_code}/retire"): allow(*PLANNERS),
    ("GET", "/api/v1/library/{item_code}/history"): allow(*STAFF),
    ("GET", "/api/v1/catalogue/versions"): allow(*LOGGED_IN),
    ("GET", "/api/v1/catalogue/{list_name}/history"): allow(*STAFF),
    ("GET", "/api/v1/catalogue/{list_name}/export"): allow(*LOGGED_IN),
    ("POST", "/api/v1/catalogue/{list_name}/import"): allow(*PLANNERS),
    # visits
    # inspectors file only their own emergencies: a planned visit is the lead unit planner's
    ("POST", "/api/v1/visits"): allow(*FILERS, insp_x=F, insp_y=F),
    ("GET", "/api/v1/visits"): allow(*LOGGED_IN),
    ("GET", "/api/v1/visits/{visit_id}"): allow(*LOGGED_IN, ent_b=H, insp_y=H),
    ("POST", "/api/v1/visits/{visit_id}/approve"): allow(*APPROVERS),
    ("POST", "/api/v1/visits/{visit_id}/cancel"): allow("planner", "approver", "admin"),
    ("POST", "/api/v1/visits/{visit_id}/reschedule"): allow(*PLANNERS),
    ("GET", "/api/v1/visits/{visit_id}/code"): allow(*STAFF, insp_y=H),
    ("GET", "/api/v1/visits/{visit_id}/code.png"): allow(*STAFF, insp_y=H),
    ("GET", "/api/v1/visits/{visit_id}/code.svg"): allow(*STAFF, insp_y=H),
    ("POST", "/api/v1/visits/{visit_id}/checkout"): allow("insp_x", "insp_y", "admin", insp_y=H, admin=F),
    ("GET", "/api/v1/visits/{visit_id}/scans"): allow(*STAFF, insp_y=H),
    # insp_y: 403 unfiled_visit (no filed visit names FIRE-C1 at A now); admin: only inspector accounts scan
    ("POST", "/api/v1/scans"): allow("insp_x", "insp_y", "admin", insp_y=F, admin=F),
    # photos of an on-site visit: an inspector named on it (visit_a is not checked in: 422, still allowed)
    ("POST", "/api/v1/visits/{visit_id}/evidence"): allow("insp_x", "insp_y", "admin", insp_y=H, admin=F),
    ("GET", "/api/v1/visits/{visit_id}/evidence"): allow(*STAFF, insp_y=H),
    ("GET", "/api/v1/visits/{visit_id}/evidence/{sha256}"): allow(*STAFF, insp_y=H),
    ("GET", "/api/v1/visits/{visit_id}/evidence/{sha256}/thumbnail"): allow(*STAFF, insp_y=H),
    ("GET", "/api/v1/unfiled-attempts"): allow(*SUPERVISION),
    ("GET", "/api/v1/enterprises/{uscc}/code"): allow("ent_a", *SUPERVISION, **dict.fromkeys(("ent_b", *STAFF[:4]), H)),
    ("GET", "/api/v1/enterprises/{uscc}/code.png"): allow(
        "ent_a", *SUPERVISION, **dict.fromkeys(("ent_b", *STAFF[:4]), H)
    ),
    ("GET", "/api/v1/enterprises/{uscc}/code.svg"): allow(
        "ent_a", *SUPERVISION, **dict.fromkeys(("ent_b", *STAFF[:4]), H)
    ),
    ("GET", "/api/v1/enterprises/{uscc}/poster.png"): allow(
        "ent_a", *SUPERVISION, **dict.fromkeys(("ent_b", *STAFF[:4]), H)
    ),
    # the enterprise itself, the supervisor or an admin re-issue it; others do not learn it exists
    ("POST", "/api/v1/enterprises/{uscc}/code/reissue"): allow(
        "ent_a", *SUPERVISION, **dict.fromkeys(("ent_b", *STAFF[:4]), H)
    ),
    # audit trail
    ("GET", "/api/v1/audit/verify"): allow(*SUPERVISION),
    ("GET", "/api/v1/audit/events"): allow(*SUPERVISION),
    ("POST", "/api/v1/audit/checkpoints"): allow(*SUPERVISION),
    ("GET", "/api/v1/audit/checkpoints/export"): allow(*SUPERVISION),
    # feedback
    ("POST", "/api/v1/public/complaints"): allow(*EVERYONE),
    # only the inspected enterprise rates, logged in (the code alone proves nothing: inspectors hold it)
    ("POST", "/api/v1/public/visits/{token}/rating"): allow("ent_a", "ent_b", "admin", ent_b=H, admin=F),
    ("POST", "/api/v1/visits/{visit_id}/rating"): allow("ent_a", "ent_b", "admin", ent_b=H, admin=F),
    ("GET", "/api/v1/ratings"): allow(*SUPERVISION),
    ("GET", "/api/v1/ratings/summary"): allow(*SUPERVISION),
    ("POST", "/api/v1/complaints"): allow(*ENTERPRISES, "admin", admin=F),  # enterprise accounts only
    ("GET", "/api/v1/complaints"): allow(*ENTERPRISES, *SUPERVISION),
    ("GET", "/api/v1/complaints/{complaint_id}"): allow(*ENTERPRISES, *SUPERVISION, ent_b=H),
    ("POST", "/api/v1/complaints/{complaint_id}/advance"): allow(*SUPERVISION),
    ("GET", "/public/complaints/{tracking_code}"): allow(*EVERYONE),  # the code is the capability
    # 容错纠错 cases: the supervision body runs them; the unit concerned (MKT's planner/approver here) reads and
    # answers only its own — the matrix's case is about FIRE, so they get 404.
    ("POST", "/api/v1/supervision/cases"): allow(*SUPERVISION),
    ("GET", "/api/v1/supervision/cases"): allow(*METRICS_READERS),
    ("GET", "/api/v1/supervision/cases/{case_id}"): allow(*METRICS_READERS, planner=H, approver=H),
    ("POST", "/api/v1/supervision/cases/{case_id}/investigators"): allow(*SUPERVISION),
    ("POST", "/api/v1/supervision/cases/{case_id}/statements"): allow(*SUPERVISION),
    ("POST", "/api/v1/supervision/cases/{case_id}/extension"): allow(*SUPERVISION),
    ("POST", "/api/v1/supervision/cases/{case_id}/advance"): allow(*SUPERVISION),
    ("POST", "/api/v1/supervision/cases/{case_id}/hand-over"): allow(*SUPERVISION),
    ("POST", "/api/v1/supervision/cases/{case_id}/review-decision"): allow(*SUPERVISION),
    ("POST", "/api/v1/supervision/cases/{case_id}/correction-extension-decision"): allow(*SUPERVISION),
    ("POST", "/api/v1/supervision/cases/{case_id}/unit-report"): allow(*METRICS_READERS, planner=H, approver=H),
    ("POST", "/api/v1/supervision/cases/{case_id}/review"): allow(*METRICS_READERS, planner=H, approver=H),
    ("POST", "/api/v1/supervision/cases/{case_id}/correction-extension"): allow(
        *METRICS_READERS, planner=H, approver=H
    ),
    ("POST", "/api/v1/supervision/cases/{case_id}/correction-report"): allow(*METRICS_READERS, planner=H, approver=H),
    ("POST", "/api/v1/supervision/cases/{case_id}/attachments"): allow(*METRICS_READERS, planner=H, approver=H),
    ("GET", "/api/v1/supervision/cases/{case_id}/attachments/{sha256}"): allow(*METRICS_READERS, planner=H, approver=H),
    # 预约式服务: the matrix's request is enterprise A's to MKT (ent_b cannot see it).
    ("POST", "/api/v1/service-requests"): allow(*ENTERPRISES, "admin", admin=F),
    ("GET", "/api/v1/service-requests"): allow(*ENTERPRISES, *STAFF),
    ("GET", "/api/v1/service-requests/{request_id}"): allow(*ENTERPRISES, *STAFF, ent_b=H, insp_y=H),
    ("POST", "/api/v1/service-requests/{request_id}/accept"): allow(*PLANNERS),
    ("POST", "/api/v1/service-requests/{request_id}/decline"): allow(*PLANNERS),
    ("POST", "/api/v1/service-requests/{request_id}/withdraw"): allow(*ENTERPRISES, "admin", ent_b=H, admin=F),
    # 检查结果互认
    ("GET", "/api/v1/recognition/results"): allow(*STAFF),
    ("POST", "/api/v1/recognition/acceptances"): allow(*PLANNERS, admin=F),  # a unit accepts, not the admin
    ("GET", "/api/v1/recognition/acceptances"): allow(*STAFF),
    # 执法监督 documents: the matrix's document is addressed to FIRE.
    ("POST", "/api/v1/supervision/documents"): allow(*SUPERVISION),
    ("GET", "/api/v1/supervision/documents"): allow(*METRICS_READERS),
    ("GET", "/api/v1/supervision/documents/{document_id}"): allow(*METRICS_READERS, planner=H, approver=H),
    ("POST", "/api/v1/supervision/documents/{document_id}/response"): allow(*METRICS_READERS, planner=H, approver=H),
    ("GET", "/api/v1/public/complaints/{tracking_code}"): allow(*EVERYONE),
    # metrics and the cookie dashboard
    ("GET", "/api/v1/metrics"): allow(*METRICS_READERS),
    ("GET", "/api/v1/metrics/export"): allow(*METRICS_READERS),
    ("GET", "/dashboard"): allow(*SUPERVISION),
    ("GET", "/dashboard/export"): allow(*SUPERVISION),
    ("GET", "/dashboard/visits"): allow(*SUPERVISION),
    ("GET", "/dashboard/visits/{visit_id}"): allow(*SUPERVISION),
    ("GET", "/dashboard/unfiled-attempts"): allow(*SUPERVISION),
    ("GET", "/dashboard/complaints"): allow(*SUPERVISION),
    ("GET", "/dashboard/complaints/{complaint_id}"): allow(*SUPERVISION),
    ("GET", "/dashboard/acceptances"): allow(*SUPERVISION),
    ("GET", "/dashboard/cases"): allow(*SUPERVISION),
    ("GET", "/dashboard/cases/{case_id}"): allow(*SUPERVISION),
    ("GET", "/dashboard/documents"): allow(*SUPERVISION, "planner", "approver"),
    ("GET", "/dashboard/documents/{document_id}"): allow(*SUPERVISION, "planner", "approver"),
    ("GET", "/dashboard/login"): allow(*EVERYONE),
    ("POST", "/dashboard/login"): allow(*EVERYONE),
    ("POST", "/dashboard/logout"): allow(*EVERYONE),
    # non-site inspection
    ("GET", "/api/v1/nonsite/assets"): allow(*STAFF),
    ("POST", "/api/v1/nonsite/assets"): allow(*PLANNERS),
    ("GET", "/api/v1/nonsite/assets/{code}"): allow(*STAFF),
    ("PATCH", "/api/v1/nonsite/assets/{code}"): allow(*PLANNERS),
    ("GET", "/api/v1/nonsite/records"): allow(*LOGGED_IN),
    ("POST", "/api/v1/nonsite/records"): allow(*FILERS, insp_y=F),
    ("GET", "/api/v1/nonsite/records/{record_id}"): allow(*LOGGED_IN, ent_b=H, insp_y=H),
    ("POST", "/api/v1/nonsite/records/{record_id}/trigger-visit"): allow(*PLANNERS),
    ("POST", "/api/v1/nonsite/records/{record_id}/evidence"): allow(*FILERS, insp_y=H),
    ("GET", "/api/v1/nonsite/evidence/{sha256}"): allow(*LOGGED_IN, ent_b=H, insp_y=H),
    ("GET", "/api/v1/nonsite/evidence/{sha256}/thumbnail"): allow(*LOGGED_IN, ent_b=H, insp_y=H),
    # public verification
    ("GET", "/V/{token}"): allow(*EVERYONE),
    ("WS", "/V/{token}/live"): allow(*EVERYONE),
    ("GET", "/E/{token}"): allow(*EVERYONE),
    ("GET", "/api/v1/public/verify/{token}"): allow(*EVERYONE),
    ("GET", "/.well-known/jwks.json"): allow(*EVERYONE),
    ("GET", "/api/v1/public/revocations"): allow(*EVERYONE),
    ("GET", "/api/v1/verifications"): allow(*SUPERVISION),
    # plans
    ("POST", "/api/v1/annual-plans"): allow(*PLANNERS),
    # the guard admits every login, the service refuses enterprises (plans are the units' and the supervisor's)
    ("GET", "/api/v1/annual-plans"): allow(*LOGGED_IN, ent_a=F, ent_b=F),
    ("GET", "/api/v1/annual-plans/filings"): allow(*SUPERVISION),
    ("GET", "/api/v1/annual-plans/{plan_id}"): allow(*LOGGED_IN, ent_a=H, ent_b=H, insp_y=H),  # MKT's draft
    ("PUT", "/api/v1/annual-plans/{plan_id}/entries"): allow(*PLANNERS),
    ("POST", "/api/v1/annual-plans/{plan_id}/submit"): allow(*PLANNERS),
    ("POST", "/api/v1/annual-plans/{plan_id}/approve"): allow(*APPROVERS),
    ("POST", "/api/v1/annual-plans/{plan_id}/return"): allow(*APPROVERS),
    ("POST", "/api/v1/annual-plans/{plan_id}/file"): allow(*PLANNERS),
    ("POST", "/api/v1/annual-plans/{plan_id}/publish"): allow(*PLANNERS),
    ("POST", "/api/v1/annual-plans/{plan_id}/amend"): allow(*PLANNERS),
    ("POST", "/api/v1/schedules/{period}/build"): allow(*PLANNERS),
    ("GET", "/api/v1/schedules/{period}"): allow(*STAFF),
    ("POST", "/api/v1/schedules/{period}/approve"): allow(*APPROVERS),
    ("POST", "/api/v1/schedules/{period}/publish"): allow(*SUPERVISION),
    ("POST", "/api/v1/schedules/{period}/extra-tasks"): allow(*PLANNERS),
    ("GET", "/api/v1/schedules/{period}/extra-tasks"): allow(*STAFF),
    ("GET", "/api/v1/schedules/unit/{feed}"): allow(*STAFF, insp_y=F),  # MKT's calendar
    ("GET", "/api/v1/plan-visits/{visit_id}"): allow(*STAFF),
    ("GET", "/api/v1/calendar/flags"): allow(*STAFF),
    ("GET", "/api/v1/calendar/{year}"): allow(*STAFF),
    ("PUT", "/api/v1/calendar/{year}"): allow("admin"),
    ("POST", "/api/v1/plan-visits/{visit_id}/move"): allow(*PLANNERS),
    ("POST", "/api/v1/plan-visits/{visit_id}/split"): allow(*PLANNERS),
    ("POST", "/api/v1/plan-visits/merge"): allow(*PLANNERS),
    ("POST", "/api/v1/plan-tasks/{task_id}/unmerge"): allow(*PLANNERS),
    ("POST", "/api/v1/plan-tasks/{task_id}/cancel"): allow(*PLANNERS),
    ("POST", "/api/v1/plan-tasks/{task_id}/file"): allow(*PLANNERS),
    ("GET", "/public/schedules"): allow(*EVERYONE),
    ("GET", "/public/schedules/{period}"): allow(*EVERYONE),
    ("GET", "/api/v1/public/schedules/{period}"): allow(*EVERYONE),
    ("GET", "/api/v1/public/schedules/{period}/export"): allow(*EVERYONE),
    ("GET", "/api/v1/public/schedules/enterprise/{feed}"): allow(*EVERYONE),
    ("GET", "/api/v1/my/upcoming"): allow(*ENTERPRISES, "admin", admin=F),  # enterprise accounts only
    # the phone app's static files (its data needs a login)
    ("GET", "/app"): allow(*EVERYONE),
    ("GET", "/app/{path}"): allow(*EVERYONE),
}

# The OpenAPI documentation (public by PUBLIC_PATHS; nothing of the data behind them).
SKIPPED = {
    ("GET", "/schema"),
    ("GET", "/schema/swagger"),
    ("GET", "/schema/{path}"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/schema/oauth2-redirect.html"),
}
SKIPPED_METHODS = {"OPTIONS", "HEAD"}
GUARD_DENIAL = "此操作需要以下角色之一"  # the role guard's refusal (Chinese by default)
