"""What the timeline says about an outgoing message: did the outbox send it, and if not, why.

The outbox (`bot.delivery`) records a status and, when it did not send, a reason in
`last_error`: a code for a cancellation (`bot.delivery.Cancel`) and a short technical text for a
failure. Coordinators read neither: each becomes one whole sentence in plain words here. A
reason we do not recognise gets a general sentence, never the raw text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from admin.i18n import _, moment
from bot.delivery import Cancel, Status

# What a state means for the reader; also the CSS class and the tests' hook (`data-delivery`).
SENT = "sent"
QUEUED = "queued"
NOT_SENT = "not_sent"  # cancelled on purpose at send time
FAILED = "failed"  # tried and refused, or gave up
UNCERTAIN = "uncertain"  # maybe delivered, maybe not; not tried again

WAITING = (Status.PENDING, Status.CLAIMED, Status.SENDING)


@dataclass(frozen=True)
class Delivery:
    state: str
    text: str


def delivery_status(
    status: str | None,
    *,
    sent_at: datetime | None,
    last_error: str | None,
    attempts: int,
    zone: tzinfo,
    email_status: str | None = None,
    emailed_at: datetime | None = None,
) -> Delivery | None:
    """The delivery line for a message whose outbox row has `status`; None without a row
    (messages logged before the link existed, or a row the retention sweep removed).

    A message to a coordinator that went by e-mail (`email_status`: no Telegram link, or
    Telegram refused it) is described by the e-mail, the way it finally went.
    """
    if email_status is not None:
        return _by_email(email_status, emailed_at, telegram_tried=status is not None, zone=zone)
    if status is None:
        return None
    if status == Status.SENT:
        return Delivery(SENT, _("Verzonden op {moment}.", moment=moment(sent_at, zone)))
    if status == Status.CHECKING:
        return Delivery(
            QUEUED,
            _(
                "Nog niet bevestigd. We kijken of dit bericht is aangekomen voordat we het "
                "opnieuw sturen."
            ),
        )
    if status in WAITING:
        if attempts > 0 or last_error is not None:  # tried before, or handed back by a direct send
            text = _("Nog niet verzonden. Het lukte nog niet; we proberen het opnieuw.")
        else:
            text = _("Nog niet verzonden. Het bericht wacht om verstuurd te worden.")
        return Delivery(QUEUED, text)
    if status == Status.CANCELLED:
        return Delivery(NOT_SENT, _cancel_reason(last_error))
    if status == Status.FAILED:
        return Delivery(FAILED, _failure_reason(last_error))
    if status == Status.UNCERTAIN:
        return Delivery(
            UNCERTAIN,
            _(
                "Let op: dit bericht is misschien niet aangekomen. Het versturen werd "
                "onderbroken en wordt niet herhaald. Vraag de jongere of het bericht is "
                "aangekomen, of bel."
            ),
        )
    # A status added later without a sentence here shows nothing rather than a guess (a test
    # walks every `Status`, so that does not go unnoticed).
    return None


def _by_email(
    email_status: str, emailed_at: datetime | None, *, telegram_tried: bool, zone: tzinfo
) -> Delivery | None:
    # The values `bot.watchers.notify` writes to `EscalationMessage.email_status`.
    if email_status == "sent":
        when = moment(emailed_at, zone)
        if telegram_tried:
            text = _(
                "Via Telegram lukte het niet. Daarom per e-mail verzonden op {moment}.", moment=when
            )
        else:
            text = _("Per e-mail verzonden op {moment}.", moment=when)
        return Delivery(SENT, text)
    if email_status in ("pending", "sending"):
        return Delivery(
            QUEUED, _("Nog niet verzonden. Het bericht wacht om per e-mail verstuurd te worden.")
        )
    if email_status == "failed":
        return Delivery(
            FAILED, _("Niet aangekomen: de e-mail aan de coördinator kon niet worden verstuurd.")
        )
    return None


def _cancel_reason(code: str | None) -> str:
    reasons = {
        Cancel.NO_CONSENT: _("Niet verzonden: er was geen toestemming voor check-ins."),
        Cancel.PAUSED: _("Niet verzonden: de jongere had rust."),
        Cancel.UNREACHABLE: _("Niet verzonden: de jongere is niet bereikbaar via Telegram."),
        Cancel.NO_YOUTH: _("Niet verzonden: de jongere staat niet meer in het systeem."),
    }
    return reasons.get(code or "", _("Niet verzonden. De reden is onbekend."))


def _failure_reason(error: str | None) -> str:
    # The texts `bot.delivery.dispatcher` and `bot.watchers.direct` write; a direct send (crisis
    # replies, urgent alerts) puts "direct: " before the channel's reason.
    error = (error or "").removeprefix("direct: ")
    if error.startswith("blocked"):
        return _("Niet aangekomen: de bot is geblokkeerd in Telegram.")
    if error.startswith(("gave up", "direct send gave up")):
        return _("Niet aangekomen: het versturen mislukte, ook na meerdere pogingen.")
    if error.startswith("bad request"):
        return _("Niet aangekomen: Telegram weigerde het bericht.")
    return _("Niet aangekomen. De reden is onbekend.")
