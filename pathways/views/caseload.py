"""The conseiller's home: the caseload, what needs attention first (the manager sees the platform's).

The list sorts on its columns and pages; rows can be selected to export them
or, for a manager, to hand them to another conseiller; the whole list can be
exported or printed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from exports.caseload import write_caseload
from pathways import clock
from pathways.extensions import db
from pathways.forms.base import options, perform
from pathways.forms.confirm import confirmed
from pathways.forms.pathway import ReassignForm, adviser_choices
from pathways.models import Pathway, Territory
from pathways.paging import page_argument
from pathways.security.access import get_platform_user_or_404, pathway_scope, refuse, roles_required
from pathways.security.ids import parse_id
from pathways.services.caseload import (
    Alert,
    CaseloadFilters,
    Reassigned,
    Sort,
    alert_counts,
    caseload,
    caseload_rows,
    reassign_pathways,
)
from pathways.states import State
from pathways.vocabulary import Role
from pathways.wording import count

blueprint = Blueprint("caseload", __name__, url_prefix="/portefeuille")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A selection is what a page shows, a few pages at most.
MAX_SELECTION = 500
SELECTION_FIELD = "parcours"


def _enum_arg(args: Mapping[str, str], enum: type, name: str) -> object:
    try:
        return enum(args.get(name, "")) if args.get(name) else None
    except ValueError:
        return None


def _int_arg(args: Mapping[str, str], name: str) -> int | None:
    return parse_id(args.get(name, ""))


def filters_from(args: Mapping[str, str], *, adviser_filter: bool) -> CaseloadFilters:
    """The caseload's filters, sort and page from a query string; anything odd is ignored."""
    sort = _enum_arg(args, Sort, "tri") or Sort.ALERTS
    order = args.get("ordre")
    return CaseloadFilters(
        state=_enum_arg(args, State, "etat"),  # type: ignore[arg-type]
        territory_id=_int_arg(args, "territoire"),
        alert=_enum_arg(args, Alert, "alerte"),  # type: ignore[arg-type]
        search=args.get("q", "")[:100],
        adviser_id=_int_arg(args, "conseiller") if adviser_filter else None,
        include_finished=args.get("termines") == "1",
        page=page_argument(args.get("page")),
        sort=sort,  # type: ignore[arg-type]
        descending=order == "desc" if order in ("asc", "desc") else sort.descending_first,  # type: ignore[union-attr]
    )


@dataclass(frozen=True)
class Sorting:
    """The column headers' links: sort on a column, or flip the order of the current one."""

    sort: Sort
    descending: bool
    link: Callable[..., str]

    def next_descending(self, key: str) -> bool:
        sort = Sort(key)
        return not self.descending if sort is self.sort else sort.descending_first

    def url(self, key: str) -> str:
        return self.link(tri=key, ordre="desc" if self.next_descending(key) else "asc")

    @property
    def label(self) -> str:
        """The order in words, for the table's caption."""
        ascending, descending = SORT_LABELS[self.sort]
        return descending if self.descending else ascending


# (ascending, descending), as the caption reads them.
SORT_LABELS: dict[Sort, tuple[str, str]] = {
    Sort.ALERTS: ("les moins d'alertes d'abord", "ce qui demande de l'attention d'abord"),
    Sort.NAME: ("par nom, de A à Z", "par nom, de Z à A"),
    Sort.STATE: ("par étape, dans l'ordre du parcours", "par étape, de la dernière à la première"),
    Sort.TERRITORY: ("par territoire, de A à Z", "par territoire, de Z à A"),
    Sort.ADVISER: ("par conseiller·ère, de A à Z", "par conseiller·ère, de Z à A"),
    Sort.LAST_CONTACT: ("le contact le plus ancien d'abord", "le contact le plus récent d'abord"),
}


def list_links(endpoint: str, filters: CaseloadFilters) -> tuple[Callable[[int], str], Sorting]:
    """The page links and the sort links of a caseload list, keeping the other arguments."""
    args = {k: v for k, v in request.args.items() if k not in ("page", "tri", "ordre") and v}
    sort_args = {"tri": filters.sort.value, "ordre": "desc" if filters.descending else "asc"}

    def page_url(page: int) -> str:
        return url_for(endpoint, page=page, **sort_args, **args)

    return page_url, Sorting(filters.sort, filters.descending, lambda **s: url_for(endpoint, **s, **args))


def _is_manager() -> bool:
    return current_user.role is Role.MANAGER


def _title() -> str:
    return "Parcours de la plateforme" if _is_manager() else "Mon portefeuille"


@blueprint.get("/")
@roles_required(Role.ADVISER, Role.MANAGER)
def index() -> str:
    session = db.session
    filters = filters_from(request.args, adviser_filter=_is_manager())
    scope = pathway_scope(current_user)
    result = caseload(session, scope, filters)
    territories = session.execute(
        sa.select(Territory.id, Territory.name)
        .where(Territory.platform_id == current_user.platform_id)
        .order_by(Territory.name)
    ).all()
    page_url, sorting = list_links("caseload.index", filters)
    title = _title()
    return render_template(
        "caseload/index.html",
        title=title,
        result=result,
        filters=filters,
        counts=alert_counts(session, scope, platform_id=current_user.platform_id if _is_manager() else None),
        states=list(State),
        alerts=list(Alert),
        territories=territories,
        advisers=adviser_choices(session, current_user.platform_id) if _is_manager() else [],
        show_adviser=_is_manager(),
        page_url=page_url,
        sorting=sorting,
        export_args={k: v for k, v in request.args.items() if k != "page" and v},
        breadcrumb=[("Accueil", url_for("main.home")), (title, None)],
    )


def _send_workbook(rows: object, *, selection: bool, name: str) -> Response:
    # Streamed to a temporary file; the response closes it, which deletes it.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    write_caseload(db.session, rows, output, actor=current_user, selection=selection)  # type: ignore[arg-type]
    db.session.commit()  # the export's audit entry
    output.seek(0)
    return send_file(output, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


def _file_name(what: str) -> str:
    return f"{what}-{clock.today():%Y%m%d}.xlsx"


@blueprint.get("/export.xlsx")
@roles_required(Role.ADVISER, Role.MANAGER)
def export() -> Response:
    """The whole list as the filters give it, in its order, as a spreadsheet."""
    filters = filters_from(request.args, adviser_filter=_is_manager())
    rows = caseload_rows(db.session, pathway_scope(current_user), filters)
    return _send_workbook(rows, selection=False, name=_file_name("portefeuille"))


@blueprint.get("/impression")
@roles_required(Role.ADVISER, Role.MANAGER)
def print_view() -> str:
    """The whole list on one page, for paper (the print stylesheet drops the navigation)."""
    filters = filters_from(request.args, adviser_filter=_is_manager())
    rows = list(caseload_rows(db.session, pathway_scope(current_user), filters))
    title = _title()
    return render_template(
        "caseload/print.html",
        title=title,
        rows=rows,
        filters=filters,
        show_adviser=_is_manager(),
        printed_on=clock.today(),
        back=url_for("caseload.index", **{k: v for k, v in request.args.items() if v}),
        breadcrumb=[
            ("Accueil", url_for("main.home")),
            (title, url_for("caseload.index")),
            ("Impression", None),
        ],
    )


def _selected_ids(values: list[str]) -> list[int]:
    """The pathways ticked, each checked against the user's scope: one out of it answers 404."""
    wanted = sorted({i for i in map(parse_id, values) if i is not None})[:MAX_SELECTION]
    if not wanted:
        return []
    visible = set(
        db.session.scalars(sa.select(Pathway.id).where(pathway_scope(current_user), Pathway.id.in_(wanted)))
    )
    for pathway_id in wanted:
        if pathway_id not in visible:
            refuse("pathway", pathway_id)
    return wanted


@blueprint.post("/selection")
@roles_required(Role.ADVISER, Role.MANAGER)
def selection() -> Response:
    """The selection bar's buttons: export the ticked rows, or (manager) reassign them."""
    ids = _selected_ids(request.form.getlist(SELECTION_FIELD))
    back = request.form.get("retour", "")
    back = (
        back if back.startswith("/portefeuille/") and not back.startswith("//") else url_for("caseload.index")
    )
    if not ids:
        flash("Sélectionnez au moins un parcours (cases à cocher de la première colonne).", "error")
        return redirect(back)
    if request.form.get("action") == "reaffecter" and _is_manager():
        return redirect(url_for("caseload.reassign", **{SELECTION_FIELD: ids}))
    filters = CaseloadFilters(pathway_ids=tuple(ids), sort=Sort.NAME, descending=False)
    rows = caseload_rows(db.session, pathway_scope(current_user), filters)
    return _send_workbook(rows, selection=True, name=_file_name("selection-portefeuille"))


def _reassigned_message(done: Reassigned, target: str) -> str:
    message = f"{count(done.moved, 'parcours confié', 'parcours confiés')} à {target}."
    left = done.already_followed + done.finished
    if left:
        message += " " + count(
            left,
            "autre laissé tel quel (déjà suivi par cette personne, ou terminé).",
            "autres laissés tels quels (déjà suivis par cette personne, ou terminés).",
        )
    return message


@blueprint.route("/reaffecter", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def reassign() -> tuple[str, int] | Response:
    """Hand the selected pathways to another conseiller, after confirmation."""
    source = request.form if request.method == "POST" else request.args
    ids = _selected_ids(source.getlist(SELECTION_FIELD))
    if not ids:
        flash("Sélectionnez au moins un parcours à réaffecter.", "error")
        return redirect(url_for("caseload.index"))
    rows = list(
        caseload_rows(
            db.session,
            pathway_scope(current_user),
            CaseloadFilters(pathway_ids=tuple(ids), sort=Sort.NAME, descending=False),
        )
    )
    form = ReassignForm()
    form.adviser_id.choices = options(adviser_choices(db.session, current_user.platform_id))
    if form.validate_on_submit():
        if form.adviser_id.data is None:
            form.adviser_id.errors = ["Choisissez qui reprend ces parcours."]
        else:
            target = get_platform_user_or_404(db.session, current_user, form.adviser_id.data)
            if confirmed(form):
                pathways = db.session.scalars(sa.select(Pathway).where(Pathway.id.in_(ids))).all()
                outcome = perform(
                    form,
                    lambda: reassign_pathways(
                        db.session, pathways, target, actor=current_user, on=form.on.data, note=form.note.data
                    ),
                )
                if outcome.ok:
                    flash(_reassigned_message(outcome.value, target.display_name), "success")
                    return redirect(url_for("caseload.index"))
    return (
        render_template(
            "caseload/reassign.html",
            form=form,
            rows=rows,
            ids=ids,
            title="Réaffecter la sélection",
            breadcrumb=[
                ("Accueil", url_for("main.home")),
                (_title(), url_for("caseload.index")),
                ("Réaffecter la sélection", None),
            ],
        ),
        422 if request.method == "POST" else 200,
    )
