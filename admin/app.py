"""The panel's application factory and its route table.

Every route is declared once in `ROUTES` with who may use it; `admin.guard.guarded` enforces
that, and the tests iterate the same table.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from admin.guard import ALL_ROLES, Access, Route, guarded
from admin.i18n import _
from admin.imports import CohortImporter, ImportJobs, default_importer
from admin.security.headers import security_headers_middleware
from admin.views import audit_log, auth, dashboard, imports, invitations, reoffers, users, youths
from admin.views.imports import IMPORT_JOBS_KEY, UPLOAD_BODY_LIMIT, UPLOAD_ID
from admin.web import SERVICES_KEY
from bot.context import Services
from bot.models import Role

HERE = Path(__file__).parent
ADMINS = frozenset({Role.ADMIN})

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
    Route("GET", r"/youths/{youth_id:\d+}", youths.youth_page, "youth", Access.ROLES, ALL_ROLES),
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
    services: Services, *, cohort_importer: CohortImporter | None = None
) -> web.Application:
    """The panel as an aiohttp application. The service adds its own routes (health check,
    webhook) to it; the panel's checks sit on the panel's routes only, so they are unaffected.

    `cohort_importer` replaces `bot.cohort.apply.import_cohort` (tests)."""
    app = web.Application(
        middlewares=[security_headers_middleware(services.settings)],
        client_max_size=256 * 1024,
    )
    app[SERVICES_KEY] = services
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
    env.filters["localtime"] = lambda moment: _local(moment, services)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, guarded(route), name=route.name)
    static = app.router.add_static("/static/", HERE / "static", name="static", append_version=True)
    env.globals["static_url"] = lambda filename: str(static.url_for(filename=filename))
    return app


def _local(moment: datetime | None, services: Services) -> str:
    if moment is None:
        return ""
    return moment.astimezone(services.settings.zone).strftime("%d-%m-%Y %H:%M")
