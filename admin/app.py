"""The panel's application factory and its route table.

Every route is declared once in `ROUTES` with who may use it; `admin.guard.guarded` enforces
that, and the tests iterate the same table.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from admin import i18n
from admin.guard import ALL_ROLES, Access, Route, guarded
from admin.i18n import _
from admin.imports import CohortImporter, ImportJobs, default_importer
from admin.security.headers import security_headers_middleware
from admin.views import (
    account,
    audit_log,
    auth,
    dashboard,
    escalations,
    imports,
    invitations,
    reoffers,
    reports,
    users,
    youth_actions,
    youths,
)
from admin.views.imports import IMPORT_JOBS_KEY, UPLOAD_BODY_LIMIT, UPLOAD_ID
from admin.web import PLANS_KEY, SERVICES_KEY, WATCHERS_KEY
from bot.context import Services
from bot.conversations.plans import PlanSync
from bot.models import Role
from bot.scheduling import load_programmes
from bot.watchers import build_watchers
from bot.watchers.service import WatchersService
from flows.loader import shipped_flows

HERE = Path(__file__).parent
ADMINS = frozenset({Role.ADMIN})
# Who works with youths and cases: admins and coordinators.
CASEWORK = frozenset({Role.ADMIN, Role.COORDINATOR})
YOUTH = r"/youths/{youth_id:\d+}"
ESCALATION = r"/escalations/{escalation_id:\d+}"


def _youth_action(name: str, handler: object, roles: frozenset[Role] = CASEWORK) -> Route:
    return Route("POST", f"{YOUTH}/{name}", handler, f"youth_{name}", Access.ROLES, roles)  # type: ignore[arg-type]


def _escalation_action(name: str, handler: object) -> Route:
    return Route(  # type: ignore[arg-type]
        "POST", f"{ESCALATION}/{name}", handler, f"escalation_{name}", Access.ROLES, CASEWORK
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/login", auth.login_form, "login", Access.PUBLIC),
    Route("POST", "/login", auth.login_submit, "login_submit", Access.PUBLIC),
    Route("GET", "/login/totp", auth.totp_form, "totp", Access.SECOND_FACTOR),
    Route("POST", "/login/totp", auth.totp_submit, "totp_submit", Access.SECOND_FACTOR),
    Route("GET", "/login/totp/setup", auth.totp_setup_form, "totp_setup", Access.SECOND_FACTOR),
    Route(
        "POST",
        "/login/totp/setup",
        auth.totp_setup_submit,
        "totp_setup_submit",
        Access.SECOND_FACTOR,
    ),
    Route("GET", "/login/totp/qr.svg", auth.totp_setup_qr, "totp_qr", Access.SECOND_FACTOR),
    Route("POST", "/logout", auth.logout, "logout", Access.PUBLIC),
    Route("GET", "/password/{token}", auth.password_form, "password", Access.PUBLIC),
    Route("POST", "/password/{token}", auth.password_submit, "password_submit", Access.PUBLIC),
    Route("GET", "/", dashboard.dashboard, "dashboard", Access.ROLES, ALL_ROLES),
    Route("GET", "/youths", youths.youth_list, "youths", Access.ROLES, ALL_ROLES),
    Route("GET", YOUTH, youths.youth_page, "youth", Access.ROLES, ALL_ROLES),
    _youth_action("pause", youth_actions.pause),
    _youth_action("pause-end", youth_actions.end_pause),
    _youth_action("programme", youth_actions.programme),
    _youth_action("coordinator", youth_actions.coordinator),
    # Schools hand out invitation cards and collect signed paper forms too.
    _youth_action("invitation", youth_actions.invitation, ALL_ROLES),
    _youth_action("message", youth_actions.message),
    _youth_action("consent", youth_actions.consent, ALL_ROLES),
    _youth_action("withdrawal", youth_actions.withdrawal, ALL_ROLES),
    _youth_action("erase", youth_actions.erase),
    Route("GET", "/escalations", escalations.inbox, "escalations", Access.ROLES, CASEWORK),
    _escalation_action("acknowledge", escalations.acknowledge),
    _escalation_action("start", escalations.start),
    _escalation_action("assign", escalations.assign),
    _escalation_action("handover", escalations.handover),
    _escalation_action("accept", escalations.accept),
    _escalation_action("withdraw", escalations.withdraw),
    _escalation_action("close", escalations.close),
    Route("GET", "/reports", reports.report, "reports", Access.ROLES, ALL_ROLES),
    Route("GET", "/reports.csv", reports.report_csv, "reports_csv", Access.ROLES, ALL_ROLES),
    Route("GET", "/account", account.account, "account", Access.ROLES, ALL_ROLES),
    Route(
        "POST",
        "/account/language",
        account.set_language,
        "account_language",
        Access.ROLES,
        ALL_ROLES,
    ),
    Route("GET", "/import", imports.import_form, "import_form", Access.ROLES, ALL_ROLES),
    Route(
        "POST",
        "/import",
        imports.import_upload,
        "import_upload",
        Access.ROLES,
        ALL_ROLES,
        max_body=UPLOAD_BODY_LIMIT,
    ),
    Route(
        "GET",
        f"/import/{UPLOAD_ID}",
        imports.import_status_page,
        "import_status",
        Access.ROLES,
        ALL_ROLES,
    ),
    Route(
        "GET",
        f"/import/{UPLOAD_ID}/status",
        imports.import_status_json,
        "import_status_json",
        Access.ROLES,
        ALL_ROLES,
    ),
    Route(
        "POST",
        f"/import/{UPLOAD_ID}/confirm",
        imports.import_confirm,
        "import_confirm",
        Access.ROLES,
        ALL_ROLES,
    ),
    Route(
        "POST",
        f"/import/{UPLOAD_ID}/discard",
        imports.import_discard,
        "import_discard",
        Access.ROLES,
        ALL_ROLES,
    ),
    Route(
        "GET",
        "/invitations",
        invitations.invitations_page,
        "invitations",
        Access.ROLES,
        ALL_ROLES,
    ),
    Route(
        "POST",
        r"/invitations/{school_id:\d+}",
        invitations.invitations_issue,
        "invitations_issue",
        Access.ROLES,
        ALL_ROLES,
    ),
    Route("GET", "/reoffers", reoffers.reoffers_page, "reoffers", Access.ROLES, ALL_ROLES),
    Route(
        "GET", "/reoffers.csv", reoffers.reoffers_export, "reoffers_csv", Access.ROLES, ALL_ROLES
    ),
    Route("GET", "/audit", audit_log.audit_log, "audit", Access.ROLES, ADMINS),
    Route("GET", "/users", users.user_list, "users", Access.ROLES, ADMINS),
    Route("POST", "/users", users.user_add, "user_add", Access.ROLES, ADMINS),
    Route(
        "POST",
        r"/users/{user_id:\d+}/disable",
        users.user_disable,
        "user_disable",
        Access.ROLES,
        ADMINS,
    ),
    Route(
        "POST",
        r"/users/{user_id:\d+}/reset",
        users.user_reset,
        "user_reset",
        Access.ROLES,
        ADMINS,
    ),
)


def create_admin_app(
    services: Services,
    watchers: WatchersService | None = None,
    *,
    cohort_importer: CohortImporter | None = None,
) -> web.Application:
    """The panel as an aiohttp application. The service adds its own routes (health check,
    webhook) to it; the panel's checks sit on the panel's routes only, so they are unaffected.

    Pass the service's `watchers` (the composition root has them); without, the panel builds
    its own, which only ever enqueues staff messages (no direct sends, nothing to settle).
    `cohort_importer` replaces `bot.cohort.apply.import_cohort` (tests)."""
    app = web.Application(
        middlewares=[security_headers_middleware(services.settings)],
        client_max_size=256 * 1024,
    )
    app[SERVICES_KEY] = services
    # Loaded once: replanning (programme change, consent) needs programmes and flows.
    app[PLANS_KEY] = PlanSync(load_programmes(), shipped_flows(), services.settings.zone)
    app[WATCHERS_KEY] = watchers or build_watchers(services)
    zone = services.settings.zone
    jobs = ImportJobs(services.database, services.clock, cohort_importer or default_importer(zone))
    app[IMPORT_JOBS_KEY] = jobs

    async def stop_import_jobs(_app: web.Application) -> None:
        await jobs.close()

    app.on_cleanup.append(stop_import_jobs)
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # answers and messages are written by youths: untrusted
    )
    env.globals["_"] = _
    env.globals["current_language"] = i18n.current_language
    zone = services.settings.zone
    env.filters["localtime"] = lambda moment: i18n.moment(moment, zone)
    env.filters["day"] = lambda value: i18n.day(value, zone)
    env.filters["day_year"] = lambda value: i18n.day_with_year(value, zone)
    env.filters["number"] = i18n.number
    env.globals["percent"] = i18n.percent
    for route in ROUTES:
        app.router.add_route(route.method, route.path, guarded(route), name=route.name)
    static = app.router.add_static("/static/", HERE / "static", name="static", append_version=True)
    env.globals["static_url"] = lambda filename: str(static.url_for(filename=filename))
    return app
