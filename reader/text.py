"""Normalised text for the BAA reader: pages, sentences, section numbers, numbers in words.

Pure functions over strings; no Django, no network. Pages are separated by form feeds
(``\\f``), as the extractors in ``extract.py`` write them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

_TRANSLATE = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2011": "-",
        "\u2010": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": "",
        "\u00ad": "",
        "\u2122": "",  # (TM) and (R) are not part of a defined term
        "\u00ae": "",
        "\t": " ",
        "\r": "",
    }
)


def normalise(text: str) -> str:
    """Straight quotes and dashes, no trademark signs, single spaces; keeps lines and pages."""
    text = text.translate(_TRANSLATE)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated across lines
    text = re.sub(r"[ ]{2,}", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return text.strip()


# --- numbers ---------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "a"], key=len, reverse=True))
# "forty-eight", "twenty four", "one hundred twenty", "ninety"
NUMBER_WORDS = rf"(?:(?:{_WORD})(?:[- ](?:and[- ])?(?:{_WORD}))*)"
NUMBER = rf"(?:\d[\d,]*(?:\.\d+)?|{NUMBER_WORDS})"


def words_to_int(words: str) -> int | None:
    """'forty-eight' -> 48, 'one hundred twenty' -> 120, '12' -> 12; None if not a number."""
    words = words.strip().lower().replace(",", "")
    if re.fullmatch(r"\d+", words):
        return int(words)
    total = current = 0
    seen = False
    for w in re.split(r"[-\s]+", words):
        if w in ("and", ""):
            continue
        if w == "a":
            current = max(current, 1)
        elif w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        else:
            return None
        seen = True
    return total + current if seen else None


_QUANTITY = re.compile(
    rf"\b(?P<a>{NUMBER})(?:\s*\((?P<b>{NUMBER})\))?(?:\s+|\s*-\s*)"
    r"(?:(?P<kind>calendar|business|working)(?:\s+|-))?"
    r"(?P<unit>days?|hours?|hrs?|weeks?|months?|years?)\b",
    re.I,
)
# Abbreviations and units counted in another: "72 hrs", "one (1) week" (seven calendar days).
_UNIT_NAMES = {"hr": "hours", "hrs": "hours"}
_IN_DAYS = {"weeks": 7}


@dataclass(frozen=True)
class Quantity:
    value: int
    unit: str  # "days", "hours", "months", "years"
    kind: str  # "calendar" or "business" (days only; "" otherwise)
    start: int
    end: int


def quantities(text: str) -> list[Quantity]:
    """Every 'ten (10) business days', '30 (thirty) calendar days', '72 hours' in the text."""
    out = []
    for m in _QUANTITY.finditer(text):
        value = None
        for part in (m["b"], m["a"]):  # the digits in brackets win over the words
            if part:
                value = words_to_int(part)
                if value is not None and re.fullmatch(r"[\d,]+", part.strip()):
                    break
        if value is None:
            continue
        unit = m["unit"].lower()
        unit = _UNIT_NAMES.get(unit) or unit.rstrip("s") + "s"
        kind = (m["kind"] or "").lower()
        if unit in _IN_DAYS:
            value, unit = value * _IN_DAYS[unit], "days"
            kind = "" if kind in ("business", "working") else kind
        if unit == "days":
            kind = "business" if kind in ("business", "working") else "calendar"
        out.append(Quantity(value, unit, kind, m.start(), m.end()))
    return out


# --- pages, sentences, sections --------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    section: str  # the number of the section it sits in ("4.1", "2(f)"), "" if none


_ABBREV = re.compile(
    r"(?:\b(?:[A-Za-z]\.){1,4}[A-Za-z]?|\b(?:e\.g|i\.e|etc|No|Nos|Sec|Secs|Inc|Ltd|Co|Corp|"
    r"Mr|Ms|Dr|St|v|vs|cf|Pub|L|seq|al|Art|para|U\.S\.C|C\.F\.R|CFR)|§\s*[\d.]+|\b\d{1,3})\.$"
)
_SECTION_NUMBER = re.compile(
    r"^\s*(?:(?:section|article|clause)\s+)?"
    r"(?P<n>\d+(?:\.\d+)*\.?|\(?[a-z]\)|[a-z]\.|\(?[ivx]+\)|[ivx]+\.|[A-Z]\.|\(?[A-Z]\))\s",
    re.I,
)
_SPLIT = re.compile(r"(?<=[.;!?])\s+(?=[\"'(\[]?[A-Z0-9(])|\n+")


class Document:
    """A normalised text with its page starts and sentences."""

    def __init__(self, raw: str, *, paged: bool | None = None):
        self.text = normalise(raw)
        self._page_starts = [0] + [m.end() for m in re.finditer("\f", self.text)]
        self.has_pages = ("\f" in raw) if paged is None else paged
        self.sentences = self._split()

    def page(self, offset: int) -> int | None:
        if not self.has_pages:
            return None
        return bisect_right(self._page_starts, offset)

    def _split(self) -> list[Sentence]:
        out: list[Sentence] = []
        section = ""
        pos = 0
        pieces: list[tuple[int, int]] = []
        for m in _SPLIT.finditer(self.text):
            pieces.append((pos, m.start()))
            pos = m.end()
        pieces.append((pos, len(self.text)))
        merged: list[list[int]] = []
        for start, end in pieces:
            chunk = self.text[start:end]
            if not chunk.strip():
                continue
            if merged:
                prev = self.text[merged[-1][0] : merged[-1][1]]
                between = self.text[merged[-1][1] : start]
                if "\n" not in between and (
                    _ABBREV.search(prev) or re.fullmatch(r"\s*\(?[\w.]{1,6}\)?\.?", prev)
                ):
                    merged[-1][1] = end
                    continue
            merged.append([start, end])
        for start, end in merged:
            chunk = self.text[start:end]
            m = _SECTION_NUMBER.match(chunk)
            if m and (start == 0 or self.text[start - 1] in "\n\f"):
                section = m["n"].strip("().")
            out.append(Sentence(chunk.strip(), start, end, section))
        return out

    def excerpt(self, sentence: Sentence, limit: int = 600) -> str:
        text = re.sub(r"\s*\f\s*", " ", sentence.text)
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


# --- negation --------------------------------------------------------------------------------

_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|nothing|prohibited|forbid\w*|cannot|can't|won't)\b",
    re.I,
)


def negated(sentence: str, at: int, window: int = 60) -> bool:
    """True when a negation governs the words at ``at``: 'shall not be liable', 'nothing
    herein obligates', 'will not de-identify'. Looks back within the clause only."""
    clause_start = max(
        sentence.rfind(sep, 0, at) for sep in (";", ":", ". ", ", except", " but ", "\n")
    )
    left = sentence[max(clause_start + 1, at - window) : at]
    return bool(_NEGATION.search(left))
