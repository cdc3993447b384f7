"""The start page: youths in view, the last wave's response rate, open escalations and two
charts over the last waves (responses; what youths are doing). Definitions: `admin.stats`."""

from __future__ import annotations

from aiohttp import web

from admin import stats
from admin.charts import bar_chart
from admin.i18n import _, month
from admin.views.labels import activity_labels, severity_labels
from admin.web import current_user, render, services


async def dashboard(request: web.Request) -> web.Response:
    svc = services(request)
    user = current_user(request)
    now = svc.clock.now()
    async with svc.database.session() as session:
        overall = (await stats.figures(session, user)).get("", stats.Figures())
        waves = await stats.waves(session, user, svc.database.dialect, svc.settings.timezone)
        escalations = await stats.open_escalations(session, user, now)
    months = [wave.month for wave in waves]
    month_names = [month(key) for key in months]
    responses = bar_chart(
        months,
        [
            {wave.month: wave.sent for wave in waves},
            {wave.month: wave.answered for wave in waves},
        ],
        group_labels=month_names,
        series_names=[_("Verstuurd"), _("Beantwoord")],
    )
    activities = activity_labels()
    doing = bar_chart(
        months,
        [{wave.month: wave.activities.get(key, 0) for wave in waves} for key in activities],
        stacked=True,
        group_labels=month_names,
        series_names=list(activities.values()),
    )
    last_wave = waves[-1] if waves else None
    return render(
        request,
        "dashboard.html",
        {
            "page_title": _("Overzicht"),
            "overall": overall,
            "last_wave": last_wave,
            "waves": waves,
            "month_names": dict(zip(months, month_names, strict=True)),
            "escalations": escalations,
            "severities": severity_labels(),
            "activities": activities,
            "responses_chart": responses,
            "doing_chart": doing,
        },
    )
