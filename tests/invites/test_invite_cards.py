"""Invitation cards as CSV for Dutch Excel and as a printable PDF with one QR per youth."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from datetime import UTC, date, datetime

import pytest
from arabic_reshaper import reshape
from bidi import get_display
from PIL import Image, ImageChops
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from bot.i18n import SUPPORTED_LANGUAGES, gettext
from bot.invites import (
    InviteCard,
    deep_link,
    expiry_day,
    new_invite_token,
    render_cards_csv,
    render_cards_pdf,
)
from bot.invites.pdf import QR_SIZE, SCAN_TEXT, card_layout, qr_image

NAMES = [
    ("Zoë", "Müller"),
    ("Şükrü", "Yılmaz"),
    ("Anaïs", "van den Berg"),
    ("Jakub", "Łukasiewicz"),
    ("Daan", "de Vries"),
]


def _cards(n: int = len(NAMES)) -> list[InviteCard]:
    return [
        InviteCard(
            first_name=NAMES[i % len(NAMES)][0],
            last_name=NAMES[i % len(NAMES)][1],
            school_name="Pro Tilburg",
            link=deep_link("InBeeldBot", new_invite_token()),
            expires_on=date(2026, 3, 3),
        )
        for i in range(n)
    ]


def test_csv_opens_in_dutch_excel_and_round_trips() -> None:
    cards = _cards()
    data = render_cards_csv(cards)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    read = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert read[0] == ["roepnaam", "achternaam", "school", "link", "geldig tot", "taal"]
    assert read[1:] == [
        [c.first_name, c.last_name, c.school_name, c.link, "03-03-2026", "Nederlands"]
        for c in cards
    ]


def test_csv_names_the_youths_language_in_dutch() -> None:
    cards = [_card(language) for language in ("ar", "tr", "uk")]
    read = list(csv.reader(io.StringIO(render_cards_csv(cards).decode("utf-8-sig")), delimiter=";"))
    assert [row[5] for row in read[1:]] == ["Arabisch", "Turks", "Oekraïens"]


def test_csv_defuses_values_excel_would_run_as_formulas() -> None:
    card = InviteCard(
        '=HYPERLINK("x")', "@Jansen", "Pro; Tilburg", "https://t.me/b?start=x", date(2026, 1, 2)
    )
    read = list(
        csv.reader(io.StringIO(render_cards_csv([card]).decode("utf-8-sig")), delimiter=";")
    )
    assert read[1][:3] == ['\'=HYPERLINK("x")', "'@Jansen", "Pro; Tilburg"]


def test_expiry_day_is_the_amsterdam_calendar_day() -> None:
    assert expiry_day(datetime(2026, 3, 3, 23, 30, tzinfo=UTC)) == date(2026, 3, 4)
    assert expiry_day(datetime(2026, 3, 3, 22, 30, tzinfo=UTC)) == date(2026, 3, 3)
    with pytest.raises(ValueError):
        expiry_day(datetime(2026, 3, 3))  # naive on purpose


@pytest.mark.parametrize("n", [1, 4, 5, 9])
def test_pdf_has_four_cards_per_page_with_one_qr_each(n: int) -> None:
    cards = _cards(n)
    reader = PdfReader(io.BytesIO(render_cards_pdf(cards)))
    assert len(reader.pages) == math.ceil(n / 4)
    images_per_page = [len(page.images) for page in reader.pages]
    assert images_per_page == [min(4, n - 4 * i) for i in range(len(reader.pages))]


def test_pdf_shows_names_links_and_plain_dutch() -> None:
    cards = _cards()
    data = render_cards_pdf(cards)
    assert data.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    for card in cards:
        assert f"{card.first_name} {card.last_name}" in flat
        assert card.link in flat
    assert "Scan de code met je telefoon." in flat
    assert "Deze code is geldig tot dinsdag 3 maart 2026." in flat


def test_each_qr_image_encodes_its_own_link() -> None:
    cards = _cards(4)
    page = PdfReader(io.BytesIO(render_cards_pdf(cards))).pages[0]
    embedded = [image.image.convert("L") for image in page.images]
    expected = [qr_image(card.link).convert("L") for card in cards]  # type: ignore[attr-defined]
    # Order of images in the page resources is not the drawing order: match as sets.
    unmatched = list(expected)
    for image in embedded:
        match = next(e for e in unmatched if _same(image, e))
        unmatched.remove(match)
    assert unmatched == []


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def _pdf_text(cards: list[InviteCard]) -> str:
    reader = PdfReader(io.BytesIO(render_cards_pdf(cards)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _card(language: str, **changes: str) -> InviteCard:
    return dataclasses.replace(_cards(1)[0], language=language, **changes)


@pytest.mark.parametrize("language", ["nl", "so"])  # "so": a language without a catalog
def test_card_without_another_language_is_only_dutch(language: str) -> None:
    layout = card_layout(_card(language))
    assert [rtl for rtl, _lines in layout.blocks] == [False]
    text = _pdf_text([_card(language), _card(language)])
    assert text.count("Scan de code met je telefoon.") == 2


@pytest.mark.parametrize(
    ("language", "until"),
    [
        ("en", "This code works until March 3, 2026."),
        ("pl", "Ten kod jest ważny do 3 marca 2026."),
        ("tr", "Bu kod 3 Mart 2026 tarihine kadar geçerli."),
        # Babel's date ends in "р.": that period also ends the sentence, no "р.."
        ("uk", "Цей код дійсний до 3 березня 2026 р."),
    ],
)
def test_card_says_it_again_in_the_youths_language(language: str, until: str) -> None:
    text = _pdf_text([_card(language)])
    assert "Deze code is geldig tot dinsdag 3 maart 2026." in text  # for the teacher
    assert gettext(SCAN_TEXT, language) != SCAN_TEXT
    assert gettext(SCAN_TEXT, language) in text
    assert until in text
    assert text.index("Deze code is geldig") < text.index(until)


def test_arabic_is_joined_and_right_to_left() -> None:
    layout = card_layout(_card("ar"))
    (dutch_rtl, _dutch), (rtl, lines) = layout.blocks
    assert (dutch_rtl, rtl) == (False, True)
    drawn = "".join(lines)
    # Only joined letter forms (presentation forms) are drawn: a bare letter prints unjoined.
    assert not [ch for ch in drawn if "\u0621" <= ch <= "\u064a"]
    assert any("\ufe70" <= ch <= "\ufeff" for ch in drawn)
    # Drawn left to right, the visual order is the reading order reversed: undoing it gives the
    # translation back, line by line and in the youth's reading order.
    expected = reshape(gettext(SCAN_TEXT, "ar"))
    assert " ".join(get_display(line) for line in lines).startswith(expected[:20])
    assert set(drawn) - {" "} <= set(_pdf_text([_card("ar")]))  # those forms are in the PDF


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_card_fits_even_with_the_longest_names_allowed(language: str) -> None:
    longest = _card(
        language,
        first_name="Anna-" + "Marie" * 23,  # first_name and last_name are at most 120 characters
        last_name="van " + "Berghe" * 19,
        school_name="Praktijkonderwijs " * 11,  # School.name is at most 200 characters
    )
    layout = card_layout(longest)
    assert layout.height <= A4[1] / 2 - 20 * mm
    assert len(layout.name_lines) == 2 and layout.name_lines[1].endswith("…")
    assert render_cards_pdf([longest]).startswith(b"%PDF-")


def test_a_short_card_keeps_the_largest_sizes() -> None:
    layout = card_layout(_card("nl"))
    assert (layout.qr_size, layout.text_size) == (QR_SIZE, 11.0)


def test_empty_list_gives_a_valid_pdf() -> None:
    reader = PdfReader(io.BytesIO(render_cards_pdf([])))
    assert len(reader.pages) == 1
    assert len(reader.pages[0].images) == 0


def test_qr_keeps_the_four_module_quiet_zone_scanners_need() -> None:
    image = qr_image("https://t.me/InBeeldBot?start=" + "A" * 32).convert("L")  # type: ignore[attr-defined]
    dark = ImageChops.invert(image).getbbox()  # box around the dark modules
    assert dark is not None
    left, top, right, bottom = dark
    # The finder pattern's top edge is a run of 7 dark modules: that gives the module size.
    run = 0
    while image.getpixel((left + run, top)) < 128:
        run += 1
    module, remainder = divmod(run, 7)
    assert module >= 1 and remainder == 0
    assert (left, top) == (4 * module, 4 * module)
    assert (image.width - right, image.height - bottom) == (4 * module, 4 * module)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_card_font_has_a_glyph_for_every_character_printed(language: str) -> None:
    # Needs DejaVu (fonts-dejavu-core, which .ci/run and the Dockerfile install): reportlab's
    # fallback font (Vera) has no Arabic or Cyrillic, and would print empty boxes.
    card = _card(language, first_name="Şükrü Łukasz", last_name="Müller-Yılmaz")
    layout = card_layout(card)
    printed = "".join(layout.name_lines) + "".join(
        line for _rtl, lines in layout.blocks for line in lines
    )
    glyphs = pdfmetrics.getFont("InBeeldSans").face.charToGlyph
    assert [ch for ch in set(printed) if ch != " " and ord(ch) not in glyphs] == []
