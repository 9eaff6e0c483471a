"""Readable paragraphs of the privacy protocol, quoted from the foundation's own text.

``data/privacyprotocol-oponoa.txt`` is the protocol as adopted; each checklist item names the
paragraph(s) that explain it. The table below maps a paragraph reference to its title and its
lines in that text (1-based, inclusive), chosen by hand because the protocol numbers the
subsections of §3 locally.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROTOCOL_FILE = Path(__file__).resolve().parent / "data" / "privacyprotocol-oponoa.txt"

# reference -> (title, first line, last line)
PARAGRAPHS: dict[str, tuple[str, int, int]] = {
    "3": ("Regels voor leerlinggegevens", 190, 376),
    "3.4": ("Dataminimalisatie", 341, 356),
    "3.5": ("Transparantie en rechten betrokkene", 357, 376),
    "4": ("Digitaal leermateriaal", 377, 428),
    "7": ("Foto’s en video’s op school", 467, 493),
    "8": ("Internet en sociale media", 494, 515),
    "9": ("Overstap naar een andere school", 516, 546),
    "10": ("Gegevens beveiligen", 547, 603),
    "10.2": ("Type persoonsgegevens", 569, 586),
    "10.3": ("Bewaartermijnen", 587, 603),
    "11.2": ("Op school", 616, 671),
    "11.3": ("Wie mag inloggen en wanneer; thuis, werkgerelateerd", 672, 701),
    "11.4": ("Afvoer van oude apparatuur", 702, 720),
    "12": ("Vertrekkende leerkrachten", 721, 742),
    "13": ("Wanneer het mis gaat: een datalek", 743, 826),
    "13.3": ("Welke datalekken moeten gemeld worden?", 803, 826),
    "14": ("Functionaris voor de gegevensbescherming", 827, 871),
    "15": ("Verantwoordelijken", 872, 891),
    "sociale-media": ("Protocol sociale media (bijlage a)", 901, 1085),
}


@dataclass(frozen=True)
class Paragraph:
    ref: str
    title: str
    blocks: list[str]

    @property
    def label(self) -> str:
        return self.title if self.ref == "sociale-media" else f"§{self.ref} {self.title}"


@cache
def _lines() -> list[str]:
    return PROTOCOL_FILE.read_text(encoding="utf-8").splitlines()


def paragraph(ref: str) -> Paragraph | None:
    """The paragraph ``ref`` as blocks of text (blank lines in the source separate blocks)."""
    if ref not in PARAGRAPHS:
        return None
    title, first, last = PARAGRAPHS[ref]
    blocks: list[str] = []
    current: list[str] = []
    # The source breaks every printed line with a blank line; a block ends where a sentence does.
    for line in _lines()[first - 1 : last]:
        # The text came out of a PDF: its bullets are private-use glyphs.
        text = "".join("•" if "\ue000" <= ch <= "\uf8ff" else ch for ch in line).strip()
        if not text:
            continue
        current.append(text)
        if text.endswith((".", ":", "?", "!", ";")) or len(text) < 60:
            blocks.append(" ".join(current))
            current = []
    if current:
        blocks.append(" ".join(current))
    if blocks and len(blocks[0]) < 80 and title.split()[0].rstrip(":") in blocks[0]:
        blocks = blocks[1:]  # the heading itself: the page shows it as its title
    return Paragraph(ref=ref, title=title, blocks=blocks)


def label(ref: str) -> str:
    if ref == "sociale-media":
        return "Protocol sociale media"
    return f"§{ref}"


def is_known(ref: str) -> bool:
    return ref in PARAGRAPHS
