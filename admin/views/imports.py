"""Importing a cohort file: upload, dry-run preview, confirmation, progress, result.

The work happens in `admin.imports.ImportJobs`; these handlers only move between its stages.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from admin.i18n import _
from admin.imports import MAX_UPLOAD_BYTES, ImportJobs, Stage, Upload, UploadRefused
from admin.web import client_address, current_user, not_found, redirect, render

IMPORT_JOBS_KEY = web.AppKey("inbeeld.import_jobs", ImportJobs)
# Multipart framing and the other form fields come on top of the file itself.
UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 64 * 1024
UPLOAD_ID = r"{upload_id:[A-Za-z0-9_-]{16,64}}"


def jobs(request: web.Request) -> ImportJobs:
    return request.app[IMPORT_JOBS_KEY]


def _page_title() -> str:
    return _("Leerlingen importeren")


async def import_form(request: web.Request) -> web.Response:
    return _form(request)


def _form(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    return render(
        request,
        "import_form.html",
        {
            "page_title": _page_title(),
            "error": error,
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=status,
    )


async def import_upload(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField) or not upload.filename:
        return _form(request, _("Kies eerst een CSV-bestand."), status=400)
    data = await asyncio.to_thread(upload.file.read, MAX_UPLOAD_BYTES + 1)
    try:
        stored = jobs(request).add(user, upload.filename, data)
    except UploadRefused as refusal:
        status = 413 if len(data) > MAX_UPLOAD_BYTES else 400
        return _form(request, str(refusal), status=status)
    raise redirect(f"/import/{stored.id}")


def _upload(request: web.Request) -> Upload:
    found = jobs(request).get(request.match_info["upload_id"], current_user(request).id or 0)
    if found is None:
        raise not_found()
    return found


async def import_status_page(request: web.Request) -> web.Response:
    upload = _upload(request)
    return render(
        request,
        "import_status.html",
        {
            "page_title": _page_title(),
            "upload": upload,
            "stage": upload.stage.value,
            "label": _stage_label(upload),
            "outcome": upload.result or upload.preview,
        },
    )


async def import_status_json(request: web.Request) -> web.Response:
    """What the progress script polls: the stage, and whether the page should reload."""
    upload = _upload(request)
    return web.json_response(
        {"stage": upload.stage.value, "busy": upload.stage.busy, "label": _stage_label(upload)}
    )


def _stage_label(upload: Upload) -> str:
    if upload.stage is Stage.CHECKING:
        return _(
            "Het bestand wordt gecontroleerd ({lines} regels). Er wordt nog niets opgeslagen.",
            lines=upload.line_count,
        )
    if upload.stage is Stage.IMPORTING:
        return _("De leerlingen worden opgeslagen. Sluit deze pagina niet.")
    if upload.stage is Stage.PREVIEW:
        return _("Controle klaar.")
    if upload.stage is Stage.DONE:
        return _("Import klaar.")
    return _(
        "Er ging iets mis. Er is niets opgeslagen. Probeer het opnieuw of vraag de "
        "beheerder om hulp."
    )


async def import_confirm(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    upload = _upload(request)
    form = await request.post()
    try:
        jobs(request).confirm(upload, user, str(form.get("sha256", "")), client_address(request))
    except UploadRefused as refusal:
        return render(
            request,
            "import_status.html",
            {
                "page_title": _page_title(),
                "upload": upload,
                "stage": upload.stage.value,
                "label": _stage_label(upload),
                "outcome": upload.result or upload.preview,
                "error": str(refusal),
            },
            status=409,
        )
    raise redirect(f"/import/{upload.id}")


async def import_discard(request: web.Request) -> web.StreamResponse:
    jobs(request).discard(_upload(request))
    raise redirect("/import")
