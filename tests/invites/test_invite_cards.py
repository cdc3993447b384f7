"""Invitation cards as CSV for Dutch Excel and as a printable PDF with one QR per youth."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, date, datetime

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from bot.invites import (
    InviteCard,
    deep_link,
    expiry_day,
    new_invite_token,
    render_cards_csv,
    render_cards_pdf,
)
from bot.invites.pdf import SCAN_TEXT, VALID_UNTIL_TEXT, qr_image

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
    assert read[0] == ["roepnaam", "achternaam", "school", "link", "geldig tot"]
    assert read[1:] == [
        [c.first_name, c.last_name, c.school_name, c.link, "03-03-2026"] for c in cards
    ]


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


def test_pdf_texts_go_through_the_translator() -> None:
    catalogue = {
        SCAN_TEXT: "Scan the code with your phone. Then you can always send us a message.",
        VALID_UNTIL_TEXT: "This code works until {date}.",
    }
    data = render_cards_pdf(_cards(1), translate=catalogue.__getitem__, locale="en")
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert catalogue[SCAN_TEXT] in text
    assert "This code works until Tuesday 3 March 2026." in text


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
