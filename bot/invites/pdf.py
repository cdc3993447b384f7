"""Printable invitation cards: four A6 cards per A4 page, each with a QR code of the link.

A card speaks Dutch, so the teacher who hands it out can read it, and, for a youth who chose
another language, says the same again in that language below it. reportlab draws characters
one after the other, left to right: Arabic is therefore first given its joined letter forms
(arabic-reshaper) and put in visual order (python-bidi), or it would print unjoined and backwards.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import qrcode
import qrcode.constants
from arabic_reshaper import reshape
from babel.dates import format_date
from bidi import get_display
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bot.i18n import SOURCE_LANGUAGE, Y_, gettext, is_rtl
from bot.invites.cards import InviteCard

log = logging.getLogger(__name__)

SCAN_TEXT = Y_("Scan de code met je telefoon. Dan kun je ons altijd een berichtje sturen.")
# Translators: {date} is a date written out, such as "3 maart 2026".
VALID_UNTIL_TEXT = Y_("Deze code is geldig tot {date}.")

CARDS_PER_ROW = 2
ROWS_PER_PAGE = 2
CARDS_PER_PAGE = CARDS_PER_ROW * ROWS_PER_PAGE
QR_SIZE = 58 * mm
_MARGIN = 10 * mm
_LEADING = 1.25
# Largest first: a card with a second language shrinks its QR code and text until all fits.
_SIZES = ((QR_SIZE, 11.0), (52 * mm, 10.0), (46 * mm, 9.0), (40 * mm, 8.0))

_FONT = "InBeeldSans"
_FONT_BOLD = "InBeeldSans-Bold"
# DejaVu (Debian's fonts-dejavu-core, installed by the Dockerfile and .ci/run) covers names such
# as "Şükrü" or "Łukasz", Cyrillic and Arabic. reportlab's bundled Vera is the fallback: it has
# no Arabic or Cyrillic, which would print as empty boxes, so its use is logged.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

Translate = Callable[[str, str], str]


def _register_fonts() -> None:
    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = DEJAVU, DEJAVU.with_name("DejaVuSans-Bold.ttf")
    if regular.is_file() and bold.is_file():
        pdfmetrics.registerFont(TTFont(_FONT, str(regular)))
        pdfmetrics.registerFont(TTFont(_FONT_BOLD, str(bold)))
    else:
        log.warning(
            "invitation cards: DejaVu Sans not found, so Arabic and Ukrainian texts and names "
            "print as empty boxes; install fonts-dejavu-core",
            extra={"looked_for": str(regular)},
        )
        pdfmetrics.registerFont(TTFont(_FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(_FONT_BOLD, "VeraBd.ttf"))


def qr_image(link: str) -> object:
    """The QR code of a link as a PIL image, black on white, with the standard quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(link)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image()


def card_texts(card: InviteCard, translate: Translate = gettext) -> list[tuple[str, list[str]]]:
    """(language, paragraphs) to print: Dutch, then the youth's language if it is another."""
    languages = [SOURCE_LANGUAGE]
    if card.language != SOURCE_LANGUAGE:
        languages.append(card.language)
    texts = []
    for lang in languages:
        scan = translate(SCAN_TEXT, lang)
        if lang != SOURCE_LANGUAGE and scan == SCAN_TEXT:
            continue  # no translation: the Dutch above already says it
        written = _written_date(card.expires_on, lang)
        until = translate(VALID_UNTIL_TEXT, lang).format(date=written)
        if written.endswith("."):  # "3 березня 2026 р." : its period also ends the sentence
            until = until.replace(written + ".", written)
        texts.append((lang, [scan, until]))
    return texts


def _written_date(day: date, lang: str) -> str:
    # Dutch keeps the weekday ("dinsdag 3 maart 2026"); in other languages a weekday after
    # "until" can need a grammatical case Babel does not give, the long date form never does.
    if lang == SOURCE_LANGUAGE:
        return format_date(day, "EEEE d MMMM y", locale=lang)
    return format_date(day, format="long", locale=lang)


def render_cards_pdf(cards: Sequence[InviteCard], *, translate: Translate = gettext) -> bytes:
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
        layout = card_layout(card, card_width, card_height, translate)
        x = (slot % CARDS_PER_ROW) * card_width
        y = page_height - (slot // CARDS_PER_ROW + 1) * card_height
        _draw_card(canvas, card, layout, x, y, card_width, card_height)
    if not cards:
        canvas.setFont(_FONT, 12)
        canvas.drawString(_MARGIN, page_height - 2 * _MARGIN, "Geen uitnodigingen.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@dataclass(frozen=True)
class CardLayout:
    qr_size: float
    text_size: float
    name_lines: list[str]
    school_lines: list[str]
    link_size: float
    blocks: list[tuple[bool, list[str]]]  # (right to left, wrapped lines) per language
    height: float  # of everything between the margins


def card_layout(
    card: InviteCard,
    width: float = A4[0] / CARDS_PER_ROW,
    height: float = A4[1] / ROWS_PER_PAGE,
    translate: Translate = gettext,
) -> CardLayout:
    """The largest sizes at which the card's texts fit between its margins.

    Names and school names are cut to two lines each, so that every card fits at the smallest
    size, whatever the lengths the database allows (tested).
    """
    _register_fonts()
    inner = width - 2 * _MARGIN
    name = f"{card.first_name} {card.last_name}".strip()
    name_lines = _at_most_two_lines(name, _FONT_BOLD, 16, inner)
    school_lines = _at_most_two_lines(card.school_name, _FONT, 10, inner)
    link_size = _fitting_size(card.link, _FONT, inner, largest=8, smallest=5)
    fixed = (
        len(name_lines) * 16 * _LEADING
        + 1 * mm
        + len(school_lines) * 10 * _LEADING
        + 3 * mm
        + 3 * mm
        + link_size
        + 4 * mm
    )
    texts = card_texts(card, translate)
    layout = None
    for qr_size, size in _SIZES:
        blocks = [
            (is_rtl(lang), [line for text in paragraphs for line in _wrap(text, lang, size, inner)])
            for lang, paragraphs in texts
        ]
        lines = sum(len(block_lines) for _rtl, block_lines in blocks)
        gaps = (2 * mm) * len(texts) + (4 * mm) * (len(texts) - 1)
        total = fixed + qr_size + lines * size * _LEADING + gaps
        layout = CardLayout(qr_size, size, name_lines, school_lines, link_size, blocks, total)
        if total <= height - 2 * _MARGIN:
            break
    assert layout is not None
    return layout


def _at_most_two_lines(text: str, font: str, size: float, width: float) -> list[str]:
    lines = simpleSplit(text, font, size, width)
    if len(lines) <= 2:
        return lines
    second = " ".join(lines[1:])
    while second and pdfmetrics.stringWidth(second + "…", font, size) > width:
        second = second[:-1]
    return [lines[0], second.rstrip() + "…"]


def _wrap(text: str, lang: str, size: float, width: float) -> list[str]:
    """Lines as they are drawn: for a right-to-left language shaped and in visual order."""
    if not is_rtl(lang):
        return simpleSplit(text, _FONT, size, width)
    # Wrapped in reading order (so the first words come first), each line then turned visual.
    return [get_display(line) for line in simpleSplit(reshape(text), _FONT, size, width)]


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
    layout: CardLayout,
    x: float,
    y: float,
    width: float,
    height: float,
) -> None:
    left, right = x + _MARGIN, x + width - _MARGIN
    top = y + height - _MARGIN
    top = _lines(canvas, layout.name_lines, _FONT_BOLD, 16, left, right, top, rtl=False)
    top = _lines(canvas, layout.school_lines, _FONT, 10, left, right, top - 1 * mm, rtl=False)

    qr_x = x + (width - layout.qr_size) / 2
    qr_y = top - 3 * mm - layout.qr_size
    canvas.drawImage(ImageReader(qr_image(card.link)), qr_x, qr_y, layout.qr_size, layout.qr_size)
    top = qr_y - 3 * mm

    canvas.setFont(_FONT, layout.link_size)
    canvas.drawCentredString(x + width / 2, top - layout.link_size, card.link)
    top -= layout.link_size + 4 * mm

    for position, (rtl, lines) in enumerate(layout.blocks):
        if position:
            top -= 2 * mm
            canvas.saveState()
            canvas.setStrokeGray(0.75)
            canvas.line(left, top, right, top)
            canvas.restoreState()
            top -= 2 * mm
        top = _lines(canvas, lines, _FONT, layout.text_size, left, right, top, rtl=rtl) - 2 * mm


def _lines(
    canvas: Canvas,
    lines: Sequence[str],
    font: str,
    size: float,
    left: float,
    right: float,
    top: float,
    *,
    rtl: bool,
) -> float:
    """Draw lines from `top` down, right-aligned when right to left; return the y below them."""
    canvas.setFont(font, size)
    leading = size * _LEADING
    for line in lines:
        top -= leading
        baseline = top + (leading - size)
        if rtl:
            canvas.drawRightString(right, baseline, line)
        else:
            canvas.drawString(left, baseline, line)
    return top


def _fitting_size(text: str, font: str, width: float, *, largest: float, smallest: float) -> float:
    size = largest
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size
