"""French wording that depends on what it is said of: elision, singular or plural, times of day.

Used by views (flash messages, titles) and templates (filters ``de``, ``que``,
``plural``, ``hour``, ``hours``), so « Diagnostic d'Émilie », « 1 participant·e »,
« en tant qu'administrateur » and « de 9 h 30 à 12 h » are written the same way
everywhere.
"""

from __future__ import annotations

from datetime import date, time

from pathways.text import fold

# Before these (accents folded), « de » and « que » elide. Not before « h »:
# names do not say whether theirs is mute, and « de Hugo » reads better than
# a wrong « d'Haddad ».
_VOWELS = frozenset("aeiou")


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


def count(number: int, singular: str, plural: str | None = None) -> str:
    """« 0 participant·e », « 1 participant·e », « 2 participant·es »."""
    return f"{number} {noun(number, singular, plural)}"


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
    return f"{value * 100:.1f}".replace(".", ",") + "\u202f%"
