"""The text of the Model Verwerkersovereenkomst, per model version, parsed into articles.

The articles are stored word for word as a data file (``agreements/model_text/<version>.txt``) so
that the document the parties sign carries the model text itself, not a summary, and so that an
agreement signed on one model version keeps that text when a newer model appears (the version is
stored per agreement in ``Agreement.model_version``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_TEXT_DIR = Path(__file__).resolve().parent / "model_text"
_ITEM = re.compile(r"^(\d+|[a-z])\.\s+(.*)$", re.S)


@dataclass(frozen=True)
class Paragraph:
    label: str  # "1", "a" or "" for an opening sentence
    text: str

    @property
    def is_sub(self) -> bool:
        return self.label.isalpha()

    @property
    def full_text(self) -> str:
        return f"{self.label}. {self.text}" if self.label else self.text


@dataclass(frozen=True)
class Article:
    number: int
    title: str
    paragraphs: tuple[Paragraph, ...]

    @property
    def heading(self) -> str:
        return f"Artikel {self.number}: {self.title}"


def available_versions() -> list[str]:
    return sorted(path.stem for path in MODEL_TEXT_DIR.glob("*.txt"))


@cache
def model_articles(version: str) -> tuple[Article, ...]:
    """The articles of model ``version``; raises FileNotFoundError for an unknown version."""
    if version not in available_versions():
        raise FileNotFoundError(f"no model text for version {version!r}")
    articles: list[Article] = []
    title, number, paragraphs = "", 0, []
    for raw in (MODEL_TEXT_DIR / f"{version}.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("== "):
            if number:
                articles.append(Article(number, title, tuple(paragraphs)))
            heading = line[3:]
            match = re.match(r"^Artikel (\d+):\s*(.*)$", heading)
            if not match:
                raise ValueError(f"bad article heading: {heading!r}")
            number, title, paragraphs = int(match[1]), match[2], []
            continue
        if not number:
            raise ValueError(f"text before the first article: {line[:40]!r}")
        item = _ITEM.match(line)
        paragraphs.append(Paragraph(item[1], item[2]) if item else Paragraph("", line))
    if number:
        articles.append(Article(number, title, tuple(paragraphs)))
    return tuple(articles)
