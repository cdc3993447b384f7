"""Printable invitation cards: four A6 cards per A4 page, each with a QR code of the link."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import qrcode
import qrcode.constants
from babel.dates import format_date
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bot.invites.cards import InviteCard

# Youth-facing texts. Dutch is the source; the caller passes a gettext function to translate.
SCAN_TEXT = "Scan de code met je telefoon. Dan kun je ons altijd een berichtje sturen."
VALID_UNTIL_TEXT = "Deze code is geldig tot {date}."

CARDS_PER_ROW = 2
ROWS_PER_PAGE = 2
CARDS_PER_PAGE = CARDS_PER_ROW * ROWS_PER_PAGE
QR_SIZE = 58 * mm
_MARGIN = 10 * mm

_FONT = "InBeeldSans"
_FONT_BOLD = "InBeeldSans-Bold"
# DejaVu covers names such as "Şükrü" or "Łukasz"; reportlab's bundled Vera is the fallback.
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _register_fonts() -> None:
    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = _DEJAVU, _DEJAVU.with_name("DejaVuSans-Bold.ttf")
    if regular.is_file() and bold.is_file():
        pdfmetrics.registerFont(TTFont(_FONT, str(regular)))
        pdfmetrics.registerFont(TTFont(_FONT_BOLD, str(bold)))
    else:
        pdfmetrics.registerFont(TTFont(_FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(_FONT_BOLD, "VeraBd.ttf"))


def qr_image(link: str) -> object:
    """The QR code of a link as a PIL image, black on white, with the standard quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(link)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image()


def render_cards_pdf(
    cards: Sequence[InviteCard],
    *,
    translate: Callable[[str], str] = lambda text: text,
    locale: str = "nl",
) -> bytes:
    """One PDF with a card per youth; cut along the dashed lines."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("In Beeld uitnodigingen")
    page_width, page_height = A4
    card_width = page_width / CARDS_PER_ROW
    card_height = page_height / ROWS_PER_PAGE
    for index, card in enumerate(cards):
        slot = index % CARDS_PER_PAGE
        if index and slot == 0:
            canvas.showPage()
        if slot == 0:
            _cut_lines(canvas, page_width, page_height)
        x = (slot % CARDS_PER_ROW) * card_width
        y = page_height - (slot // CARDS_PER_ROW + 1) * card_height
        _draw_card(canvas, card, x, y, card_width, card_height, translate, locale)
    if not cards:
        canvas.setFont(_FONT, 12)
        canvas.drawString(_MARGIN, page_height - 2 * _MARGIN, "Geen uitnodigingen.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _cut_lines(canvas: Canvas, width: float, height: float) -> None:
    canvas.saveState()
    canvas.setDash(3, 3)
    canvas.setStrokeGray(0.6)
    canvas.line(width / 2, 0, width / 2, height)
    canvas.line(0, height / 2, width, height / 2)
    canvas.restoreState()


def _draw_card(
    canvas: Canvas,
    card: InviteCard,
    x: float,
    y: float,
    width: float,
    height: float,
    translate: Callable[[str], str],
    locale: str,
) -> None:
    inner = width - 2 * _MARGIN
    top = y + height - _MARGIN
    name = f"{card.first_name} {card.last_name}".strip()
    top = _paragraph(canvas, name, _FONT_BOLD, 16, x + _MARGIN, top, inner)
    top = _paragraph(canvas, card.school_name, _FONT, 10, x + _MARGIN, top - 1 * mm, inner)

    qr_x = x + (width - QR_SIZE) / 2
    qr_y = top - 3 * mm - QR_SIZE
    canvas.drawImage(ImageReader(qr_image(card.link)), qr_x, qr_y, QR_SIZE, QR_SIZE)
    top = qr_y - 3 * mm

    link_size = _fitting_size(card.link, _FONT, inner, largest=8, smallest=5)
    canvas.setFont(_FONT, link_size)
    canvas.drawCentredString(x + width / 2, top - link_size, card.link)
    top -= link_size + 4 * mm

    top = _paragraph(canvas, translate(SCAN_TEXT), _FONT, 11, x + _MARGIN, top, inner)
    day = format_date(card.expires_on, "EEEE d MMMM y", locale=locale)
    until = translate(VALID_UNTIL_TEXT).format(date=day)
    _paragraph(canvas, until, _FONT, 11, x + _MARGIN, top - 2 * mm, inner)


def _paragraph(
    canvas: Canvas, text: str, font: str, size: float, x: float, top: float, width: float
) -> float:
    """Draw wrapped text from `top` down; return the y below it."""
    canvas.setFont(font, size)
    leading = size * 1.25
    for line in simpleSplit(text, font, size, width):
        top -= leading
        canvas.drawString(x, top + (leading - size), line)
    return top


def _fitting_size(text: str, font: str, width: float, *, largest: float, smallest: float) -> float:
    size = largest
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size
