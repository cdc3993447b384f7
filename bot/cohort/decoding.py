"""From uploaded bytes to text and records, the way spreadsheets really export them.

Encodings: UTF-8 with or without BOM, Windows-1252 (older Excel), and UTF-16 with BOM (Excel's
"Unicode text"). Separators `;`, `,` or tab, chosen from the header line. Line numbers are the
ones a spreadsheet user sees: a record whose quoted field holds a line break is reported at the
line where it starts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

SEPARATORS = (";", "\t", ",")  # order breaks ties: ';' is what Dutch Excel writes

_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx / .ods
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ALLOWED_CONTROLS = frozenset("\t\r\n")
_BINARY_SAMPLE = 4096
_BINARY_CONTROL_SHARE = 0.05


class DecodeProblem(Exception):
    """The bytes are not a text file we can read; `code` names the message to show."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RecordProblem(Exception):
    """The CSV structure breaks at `line` (for instance an unclosed quote)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str


def decode(data: bytes) -> DecodedText:
    """Decode an upload, or raise DecodeProblem with the reason the user should hear."""
    if not data.strip():
        raise DecodeProblem("empty_file")
    if data.startswith(_ZIP_MAGIC) or data.startswith(_OLE_MAGIC):
        raise DecodeProblem("excel_file")
    decoded = _decode_text(data)
    text = decoded.text.rstrip("\x1a")  # DOS end-of-file marker some old exports still add
    if not text.strip():
        raise DecodeProblem("empty_file")
    if _looks_binary(text):
        raise DecodeProblem("not_text")
    return DecodedText(text=text, encoding=decoded.encoding)


def _decode_text(data: bytes) -> DecodedText:
    if data.startswith(_UTF16_BOMS):
        try:
            return DecodedText(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            raise DecodeProblem("not_text") from None
    try:
        # A strict UTF-8 decode almost never succeeds on cp1252 text with accents, so trying
        # UTF-8 first and falling back is a reliable detector.
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return DecodedText(data.decode("utf-8-sig"), encoding)
    except UnicodeDecodeError:
        pass
    try:
        return DecodedText(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; hitting one means this is not a text export.
        raise DecodeProblem("not_text") from None


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:_BINARY_SAMPLE]
    controls = sum(1 for ch in sample if ch < " " and ch not in _ALLOWED_CONTROLS)
    return controls > len(sample) * _BINARY_CONTROL_SHARE


def excel_separator_line(text: str) -> str | None:
    """The separator named by a leading `sep=;` line, which some tools write for Excel."""
    first = _first_physical_line(text).strip()
    if len(first) == 5 and first[:4].casefold() == "sep=" and first[4] in SEPARATORS:
        return first[4]
    return None


def detect_separator(text: str) -> str:
    """Pick the separator that occurs most often outside quotes in the first non-blank line.

    csv.Sniffer guesses from data rows and is easily fooled by commas in names or dates with
    slashes; the header line is the one line we know the shape of.
    """
    named = excel_separator_line(text)
    if named:
        return named
    header = _first_physical_line(text)
    counts = dict.fromkeys(SEPARATORS, 0)
    in_quotes = False
    for ch in header:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first on a tie
    return best if counts[best] else SEPARATORS[0]


def _first_physical_line(text: str) -> str:
    for line in io.StringIO(text, newline=""):
        if line.strip():
            return line
    return ""


def iter_records(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line where the record starts, fields) for every record, blank lines included.

    Raises RecordProblem at the first line the csv module cannot make sense of.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
    consumed = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise RecordProblem(consumed + 1) from None
        yield consumed + 1, fields
        consumed = reader.line_num
