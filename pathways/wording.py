"""French wording that depends on what it is said of: elision, singular or plural, times of day.

Used by views (flash messages, titles) and templates (filters ``de``, ``que``,
``plural``, ``number``, ``hour``, ``hours``), so « Diagnostic d'Émilie », « 1 participant·e »,
« 12 500 parcours », « en tant qu'administrateur » and « de 9 h 30 à 12 h » are written
the same way everywhere.
"""

from __future__ import annotations

from datetime import date, time

from pathways.text import fold

# Before these (accents folded), « de » and « que » elide. Not before « h »:
# names do not say whether theirs is mute, and « de Hugo » reads better than
# a wrong « d'Haddad ».
_VOWELS = frozenset("aeiou")
# Between a number's thousands and before a unit (« 12 500 », « 12,5 % »).
NARROW_SPACE = "\u202f"


def elides(word: str) -> bool:
    """Whether ``word`` starts with a vowel sound that makes « de » « d' »."""
    first = fold(word.strip())[:1]
    return first in _VOWELS


def de(word: str) -> str:
    """« de Julie », « d'Émilie »."""
    return f"d'{word}" if elides(word) else f"de {word}"


def que(word: str) -> str:
    """« que responsable », « qu'administrateur »."""
    return f"qu'{word}" if elides(word) else f"que {word}"


def noun(number: int, singular: str, plural: str | None = None) -> str:
    """The word that follows ``number``: French makes 0 and 1 singular."""
    return singular if abs(number) < 2 else (plural or f"{singular}s")


def number(value: float | None, *, decimals: int = 0) -> str:
    """« 950 », « 12 500 », « 42,5 »: thousands set apart by a narrow no-break space, a decimal comma.

    The French way, and the one browsers use for ``fr-FR``; the space never
    breaks a number across two lines. « — » when there is no value. Not for
    identifiers (a row of a file, a page).
    """
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}".replace(",", NARROW_SPACE).replace(".", ",")


def count(value: int, singular: str, plural: str | None = None) -> str:
    """« 0 participant·e », « 1 participant·e », « 2 participant·es », « 12 500 parcours »."""
    return f"{number(value)} {noun(value, singular, plural)}"


def hour(moment: time | None) -> str:
    """« 9 h 30 », « 14 h » (the French way of writing a time of day)."""
    if moment is None:
        return ""
    return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"


def hours(starts_at: time | None, ends_at: time | None) -> str:
    """« de 9 h 30 à 12 h »; empty when the times are unknown."""
    if starts_at is None or ends_at is None:
        return ""
    return f"de {hour(starts_at)} à {hour(ends_at)}"


MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def long_date(day: date) -> str:
    """« jeudi 12 mars 2026 », « lundi 1er juin 2026 » (as a letter writes a date)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{DAY_NAMES[day.weekday()]} {number} {MONTH_NAMES[day.month - 1]} {day.year}"


def percent(value: float | None) -> str:
    """« 12,5 % » (a narrow no-break space before the sign); « — » when there is no rate."""
    if value is None:
        return "—"
    return f"{number(value * 100, decimals=1)}{NARROW_SPACE}%"
