"""The words of each message: convocation, reminders, SMS, printed letters, the Monday digest.

Templates in ``pathways/templates/mail/`` (plain text and HTML for each
e-mail), rendered by a Jinja environment of their own — they are written
in a job, outside any request. They name the person by their first name;
what they say is the session (date, hours, place, access, what to bring,
whom to call), never a note, a frein, a health detail or a diagnostic:
``Convocation`` holds nothing else to say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from pathways import clock, wording
from pathways.messaging.ics import Event, calendar
from pathways.messaging.mail import Attachment, Email

if TYPE_CHECKING:
    from pathways.services.convocations import Convocation


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


_environment = Environment(
    loader=PackageLoader("pathways", "templates/mail"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(
    hour=wording.hour,
    hours=wording.hours,
    long_date=wording.long_date,
    plural=wording.count,
    upper_first=upper_first,
)


def render(name: str, **context: Any) -> str:
    return _environment.get_template(name).render(**context)


def _subject(prefix: str, c: Convocation) -> str:
    when = f"le {c.first_day:%d/%m/%Y}" if c.days == 1 else f"du {c.first_day:%d/%m} au {c.last_day:%d/%m/%Y}"
    return f"{prefix} : {c.title.lower()} {when}"


def convocation_event(c: Convocation) -> Event:
    return Event(
        uid=c.calendar_uid,
        summary=f"{c.title} — {c.platform_name}",
        location=c.place,
        description="\n".join(
            filter(None, [c.purpose[:1].upper() + c.purpose[1:] + ".", c.access and f"Accès : {c.access}"])
        ),
        first_day=c.first_day,
        days=c.days,
        starts_at=c.starts_at,
        ends_at=c.ends_at,
    )


def convocation_email(c: Convocation, to: str, answer_url: str) -> Email:
    """The convocation by e-mail, with its ``.ics``."""
    context = {"c": c, "answer_url": answer_url}
    return Email(
        to=to,
        subject=_subject("Convocation", c),
        text=render("convocation.txt", **context),
        html=render("convocation.html", **context),
        attachments=(
            Attachment(
                "rendez-vous.ics",
                "text/calendar",
                calendar(convocation_event(c)),
                params={"method": "PUBLISH"},
            ),
        ),
    )


def reminder_email(c: Convocation, to: str, answer_url: str, *, first_day: bool, answered: bool) -> Email:
    context = {"c": c, "answer_url": answer_url, "first_day": first_day, "answered": answered}
    return Email(
        to=to,
        subject="C'est aujourd'hui : semaine du pôle orientation" if first_day else _subject("Rappel", c),
        text=render("reminder.txt", **context),
        html=render("reminder.html", **context),
    )


def reminder_sms(c: Convocation, answer_url: str, *, first_day: bool, answered: bool) -> str:
    return render(
        "reminder_sms.txt", c=c, answer_url=answer_url, first_day=first_day, answered=answered
    ).strip()


def letters_html(convocations: Sequence[Convocation], answer_urls: Mapping[int, str | None]) -> str:
    from markupsafe import Markup

    title = convocations[0].title if convocations else "Convocations"
    footer = Markup('"Convocation — ' + title.replace('"', "").replace("\\", "") + '"')  # noqa: S704
    return render(
        "letters.html",
        convocations=convocations,
        answer_urls=answer_urls,
        title=title,
        footer=footer,
        produced_on=clock.today(),
    )


def _refuse_urls(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a letter fetches nothing ({url})")


def letters_pdf(convocations: Sequence[Convocation], answer_urls: Mapping[int, str | None]) -> bytes:
    """The printed letters, one page each (WeasyPrint; nothing is fetched, as for the bilan's report)."""
    from weasyprint import HTML

    return HTML(string=letters_html(convocations, answer_urls), url_fetcher=_refuse_urls).write_pdf()


def retention_email(*, to: str, first_name: str, persons: int, first_on: date, page_url: str) -> Email:
    """To a manager: how many persons are listed for anonymisation, from when; no name."""
    context = {"first_name": first_name, "persons": persons, "first_on": first_on, "page_url": page_url}
    return Email(
        to=to,
        subject="Anonymisations à venir",
        text=render("retention.txt", **context),
        html=render("retention.html", **context),
    )


def digest_email(
    *,
    to: str,
    first_name: str,
    week_start: date,
    week_end: date,
    lines: Sequence[Any],
    agenda_url: str,
) -> Email:
    """The Monday digest: counts and links, the recipient's first name, no one else's name."""
    context = {
        "first_name": first_name,
        "week_start": week_start,
        "week_end": week_end,
        "lines": lines,
        "agenda_url": agenda_url,
    }
    return Email(
        to=to,
        subject=f"Votre semaine du {week_start:%d/%m}",
        text=render("digest.txt", **context),
        html=render("digest.html", **context),
    )
