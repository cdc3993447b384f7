"""The yearly monitoring report: the dashboard's figures per school, gemeente or cohort
(leaving year), as a page and as a CSV download (UTF-8 with BOM, `;`, as Excel in NL expects)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from aiohttp import web

from admin import stats
from admin.audit_actions import PanelAction
from admin.i18n import _, current_language, number
from admin.views.labels import activity_labels
from admin.web import client_address, current_user, render, services
from bot.audit import record_event

# Spreadsheet programs run a cell starting with these as a formula: a school named "=HYPERLINK(..)"
# must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _dimension(request: web.Request) -> str:
    chosen = request.query.get("by", "school")
    return chosen if chosen in stats.DIMENSIONS else "school"


def dimension_labels() -> dict[str, str]:
    return {
        "school": _("School"),
        "municipality": _("Gemeente"),
        "cohort": _("Cohort (uitstroomjaar)"),
    }


async def _figures(request: web.Request, dimension: str) -> list[tuple[str, stats.Figures]]:
    svc = services(request)
    user = current_user(request)
    async with svc.database.transaction() as session:
        groups = await stats.figures(session, user, dimension)
        await record_event(
            session,
            svc.clock,
            action=PanelAction.VIEW_REPORT
            if request.path == "/reports"
            else PanelAction.REPORT_DOWNLOADED,
            actor_id=user.id,
            client_address=client_address(request),
            detail={"by": dimension},
        )
    return list(stats.ordered(groups))


async def report(request: web.Request) -> web.Response:
    dimension = _dimension(request)
    rows = await _figures(request, dimension)
    return render(
        request,
        "reports.html",
        {
            "page_title": _("Rapportage"),
            "dimension": dimension,
            "dimensions": dimension_labels(),
            "rows": rows,
            "activities": activity_labels(),
        },
    )


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _pct(part: int, whole: int) -> str:
    ratio = stats.share(part, whole)
    return "" if ratio is None else number(round(100 * ratio, 1))


def csv_text(
    dimension_label: str, rows: Sequence[tuple[str, stats.Figures]], activities: dict[str, str]
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            dimension_label,
            _("Jongeren"),
            _("Met check-in"),
            _("In beeld"),
            _("In beeld (%)"),
            _("Check-ins verstuurd"),
            _("Check-ins beantwoord"),
            _("Respons (%)"),
            _("Open meldingen"),
            *activities.values(),
        ]
    )
    for key, fig in rows:
        writer.writerow(
            [
                _cell(key),
                fig.youths,
                fig.with_checkin,
                fig.in_view,
                _pct(fig.in_view, fig.with_checkin),
                fig.checkins_sent,
                fig.checkins_answered,
                _pct(fig.checkins_answered, fig.checkins_sent),
                fig.open_escalations,
                *(fig.activities.get(activity, 0) for activity in activities),
            ]
        )
    return out.getvalue()


async def report_csv(request: web.Request) -> web.Response:
    dimension = _dimension(request)
    rows = await _figures(request, dimension)
    body = "\ufeff" + csv_text(dimension_labels()[dimension], rows, activity_labels())
    filename = f"inbeeld-rapportage-{dimension}-{current_language()}.csv"
    return web.Response(
        body=body.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
