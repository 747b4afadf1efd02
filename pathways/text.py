"""Text as the tool compares it: one folding rule for names, searches and look-ups.

Below every layer (models, services and the import use it): a name typed
« Traoré », « TRAORE » or « traore » folds to the same text, on SQLite and
PostgreSQL alike, because the folding happens in Python and the folded text
is what the database stores and compares.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD does not decompose, spelt out as a French reader types them.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelt out, hyphens and apostrophes as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    for separator in ("-", "'", "’", "‐", "‑"):
        plain = plain.replace(separator, " ")
    return " ".join(plain.lower().split())


def search_words(query: str) -> list[str]:
    """The folded words of a search box, each to be found in the folded text."""
    return fold(query).split()
