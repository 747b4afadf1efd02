"""The bilan as a short PDF report a manager can send as it is.

The same figures as the workbook — the period, the Synthèse by level, the
funnel and the outcomes (charts drawn here as SVG, each with its table), the
breakdowns, the delays, the contracts by job and employer type — rendered
from HTML by WeasyPrint (Pango for the text, from Debian's packages). The
report never reaches the network: the HTML holds everything, and any URL
WeasyPrint would fetch is refused.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import IO, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from exports.bilan import period_text
from exports.breakdowns import BREAKDOWN_TITLES
from exports.delays import BANDS, MEDIAN_CODES, delay_stats
from exports.indicators import LEVEL_TITLES, Bilan, Indicator, compute_bilan, job_name
from exports.pdf_charts import horizontal_bars, stacked_columns
from pathways import audit, clock
from pathways.models import Platform, User
from pathways.services.dashboard import OUTCOMES
from pathways.vocabulary import EmployerType
from pathways.wording import number, percent

# The figures on the report's first page.
KEY_FIGURES = (
    "accompanied_persons",
    "access_rate",
    "contracts_signed",
    "contracts_share_home_care",
    "retention_6_months_rate",
    "median_days_to_contract",
)

_environment = Environment(
    loader=PackageLoader("exports", "templates"), autoescape=select_autoescape(["html"]), trim_blocks=True
)


def shown(indicator: Indicator) -> str:
    """An indicator's value as the report prints it (rates in percent, medians in days)."""
    if indicator.value is None:
        return "—"
    if indicator.is_rate:
        return percent(indicator.value)
    if indicator.code in MEDIAN_CODES:
        return f"{number(indicator.value, decimals=0 if float(indicator.value).is_integer() else 1)} j"
    return number(indicator.value)


def css_string(value: str) -> Markup:
    """``value`` as a quoted CSS string (page headers): quotes, backslashes and ``<`` escaped."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>' or ord(c) < 32 else c for c in value)
    return Markup(f'"{escaped}"')  # noqa: S704 - quotes, \\, < and > escaped above


def _refuse_urls(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a PDF of the tool fetches nothing ({url})")


def write_pdf(html: str, target: str | Path | IO[bytes]) -> None:
    """``html`` (everything inline) as PDF; any URL WeasyPrint would fetch is refused."""
    from weasyprint import HTML

    HTML(string=html, url_fetcher=_refuse_urls).write_pdf(target)


def report_html(bilan: Bilan, *, produced_on: date | None = None) -> str:
    """The report's HTML: everything inline (styles, charts), nothing to fetch."""
    by_code = bilan.by_code()
    funnel_rows = [(step.label, step.counts[0]) for step in bilan.funnel]
    outcome_series = [
        (label, [cohort.outcomes.get(key, 0) for cohort in bilan.outcomes]) for key, label in OUTCOMES
    ]
    employers = list(EmployerType)
    jobs = sorted(bilan.jobs_by_employer.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return _environment.get_template("bilan_report.html").render(
        bilan=bilan,
        period=period_text(bilan.start, bilan.end),
        produced_on=produced_on or clock.today(),
        key_figures=[by_code[code] for code in KEY_FIGURES if code in by_code],
        levels=[(LEVEL_TITLES[level], rows) for level, rows in bilan.by_level().items()],
        shown=shown,
        css_string=css_string,
        number=number,
        funnel_svg=horizontal_bars("Entonnoir du parcours", funnel_rows),
        funnel=bilan.funnel,
        outcomes=bilan.outcomes,
        outcome_labels=OUTCOMES,
        outcomes_svg=stacked_columns(
            "Devenir par trimestre d'entrée", [c.label for c in bilan.outcomes], outcome_series
        )
        if bilan.outcomes
        else "",
        breakdowns=[(BREAKDOWN_TITLES[d], rows) for d, rows in bilan.breakdowns.items()],
        delays=[delay_stats(key, bilan.delays.get(key, Counter())) for key in MEDIAN_CODES.values()],
        bands=[label for _low, _high, label in BANDS],
        employers=employers,
        jobs=[(job_name(job), counts) for job, counts in jobs],
    )


def write_report(bilan: Bilan, target: str | Path | IO[bytes]) -> None:
    write_pdf(report_html(bilan), target)


def write_bilan_pdf(
    session: Session,
    platform: Platform,
    start: date,
    end: date,
    target: str | Path | IO[bytes],
    *,
    actor: User | None,
) -> Bilan:
    """The bilan report of ``platform`` for [start, end] as PDF, recorded in the audit trail."""
    bilan = compute_bilan(session, platform, start, end)
    write_report(bilan, target)
    audit.record(
        session,
        actor,
        "export.bilan_pdf",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"start": start.isoformat(), "end": end.isoformat()},
    )
    return bilan
