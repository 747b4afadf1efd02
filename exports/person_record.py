"""A person's whole record (right of access) as a readable PDF in French and as a spreadsheet.

Both are written from the same tables (``record_tables``): the PDF groups
them by pathway, the workbook puts each kind of record on its sheet with the
pathway in its first column. Every export is in the audit trail
(``person.access_export``), and its list of accesses includes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from exports.pdf import css_string, write_pdf
from exports.writer import Column, Kind, PrintSetup, WorkbookWriter
from pathways import audit, clock, wording
from pathways.models import Person, User
from pathways.privacy.record import PathwayRecord, PersonRecord, person_record
from pathways.services.pathway_file import PathwayFile

_environment = Environment(
    loader=PackageLoader("exports", "templates"), autoescape=select_autoescape(["html"]), trim_blocks=True
)


class RecordFormat(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"

    @property
    def label(self) -> str:
        return {RecordFormat.PDF: "PDF", RecordFormat.XLSX: "tableur"}[self]

    @property
    def suffix(self) -> str:
        return f".{self.value}"


@dataclass
class RecordTable:
    """One kind of record: its title, its columns, its rows (Python values, dates as dates)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("oui" if value else "non")


def _label(value: Any) -> Any:
    return value.label if value is not None and hasattr(value, "label") else value


def _who(user: Any) -> str | None:
    return user.display_name if user is not None else None


# The extras a planned step keeps (pathways.states.guards.request_to_json), named.
EXTRA_LABELS = {
    "tutor_name": "Tuteur·rice",
    "tutor_job": "Fonction du tuteur·rice",
    "tutor_contact": "Contact du tuteur·rice",
    "objective": "Objectif",
    "job_code": "Métier",
    "prescriber_type": "Prescripteur",
    "hours": "Heures",
    "ends_on": "Fin prévue",
    "hours_per_week": "Heures par semaine",
}


def _extras(extra: dict[str, Any]) -> str | None:
    shown = [f"{EXTRA_LABELS.get(key, key)} : {shown_value(value)}" for key, value in extra.items() if value]
    return " ; ".join(shown) or None


def identity_rows(record: PersonRecord) -> list[tuple[str, Any]]:
    person = record.person
    publics = [
        ("Demandeur·euse d'emploi", person.is_job_seeker),
        ("Allocataire du RSA", person.is_rsa_beneficiary),
        ("En reconversion", person.is_reconversion),
        ("Reconnaissance de la qualité de travailleur handicapé (RQTH)", person.is_rqth),
        ("Bénéficiaire d'une protection internationale", person.is_bpi),
        ("Résident·e d'un quartier prioritaire (QPV)", person.is_qpv_resident),
        ("Résident·e d'une zone de revitalisation rurale (ZRR)", person.is_zrr_resident),
    ]
    return [
        ("Nom", person.last_name),
        ("Prénom", person.first_name),
        ("Date de naissance", person.birth_date),
        ("Sexe", _label(person.sex)),
        ("Identifiant France Travail", person.france_travail_id),
        ("Adresse électronique", person.email),
        ("Téléphone", person.phone),
        ("Code postal", person.postal_code),
        ("Commune", person.city),
        ("Niveau de diplôme", _label(person.diploma_level)),
        *((label, _yes(value)) for label, value in publics),
        ("Enregistrée le", person.created_at.astimezone(clock.PLATFORM_TIMEZONE).date()),
        ("Notice d'information remise le", person.informed_on),
        ("Notice remise par", record.informed_by),
        ("Opposition aux messages enregistrée le", person.opposed_on),
        ("Opposition enregistrée par", record.opposed_by),
        ("Plateforme", record.platform.name),
    ]


def _first_day(file: PathwayFile) -> date | None:
    return min((event.occurred_on for event in file.events), default=None)


def pathway_title(index: int, pathway_record: PathwayRecord) -> str:
    entered = _first_day(pathway_record.file)
    since = f", entré le {entered:%d/%m/%Y}" if entered else ""
    return f"Parcours n° {index}{since} — {pathway_record.pathway.state.label}"


def pathway_tables(record: PathwayRecord) -> list[RecordTable]:
    """The tables of one pathway, in the order of the file."""
    file, pathway = record.file, record.pathway
    reasons = file.reason_labels
    day = Kind.DATE
    tables = [
        RecordTable(
            "parcours",
            "Le parcours",
            [
                Column("Étape actuelle"),
                Column("Entré le", day),
                Column("Dernière étape le", day),
                Column("Territoire"),
                Column("Prescripteur"),
                Column("Délégué·e"),
                Column("Conseiller·ère"),
                Column("Métier visé", width=30),
            ],
            [
                [
                    pathway.state.label,
                    _first_day(file),
                    pathway.last_event_on,
                    pathway.territory.name if pathway.territory else None,
                    _label(pathway.prescriber_type),
                    _who(pathway.delegate),
                    _who(pathway.adviser),
                    file.job(pathway.target_job_code),
                ]
            ],
        ),
        RecordTable(
            "historique",
            "Historique daté du parcours",
            [
                Column("Date", day),
                Column("Étape", width=30),
                Column("De"),
                Column("Vers"),
                Column("Saisie le", day),
                Column("Par"),
                Column("Motif"),
                Column("Commentaire", width=40),
            ],
            [
                [
                    e.occurred_on,
                    e.trigger.done_label,
                    _label(e.from_state),
                    e.to_state.label,
                    e.recorded_at.astimezone(clock.PLATFORM_TIMEZONE).date(),
                    _who(e.recorded_by),
                    reasons.get(str(e.details.get("reason")), e.details.get("reason")) or None,
                    e.comment,
                ]
                for e in sorted(file.events, key=lambda e: e.sequence)
            ],
        ),
        RecordTable(
            "prevues",
            "Étapes prévues",
            [
                Column("Prévue le", day),
                Column("Étape", width=30),
                Column("Détail", width=40),
                Column("Précisions", width=40),
                Column("Commentaire", width=40),
                Column("Statut"),
                Column("Décidée le", day),
            ],
            [
                [
                    v.planned.planned_on,
                    v.request.trigger.done_label,
                    v.summary,
                    _extras(v.request.extra),
                    v.request.comment,
                    v.planned.status.label,
                    v.planned.decided_on,
                ]
                for v in [*file.planned, *file.cancelled]
            ],
        ),
        RecordTable(
            "conseillers",
            "Conseiller·ères successif·ves",
            [
                Column("Conseiller·ère"),
                Column("Depuis le", day),
                Column("Jusqu'au", day),
                Column("Note de passage de relais", width=40),
            ],
            [[a.full_name or a.email, a.assigned_on, a.ended_on, a.handover_note] for a in file.assignments],
        ),
        RecordTable(
            "pole_orientation",
            "Pôle orientation",
            [
                Column("Semaine du", day),
                Column("Lieu"),
                Column("Disponibilité confirmée"),
                Column("Réponse à la convocation", width=24),
                Column("Raison donnée", width=30),
                Column("Présences (jours 1 à 5)", width=30),
            ],
            [
                [
                    o.starts_on,
                    o.place,
                    _yes(o.availability_confirmed),
                    o.answer.label if o.answer else None,
                    o.answer_reason,
                    ", ".join(f"jour {d} : {'présent·e' if p else 'absent·e'}" for d, p in o.days) or None,
                ]
                for o in record.orientation
            ],
        ),
        RecordTable(
            "freins",
            "Freins périphériques",
            [
                Column("Catégorie"),
                Column("Statut"),
                Column("Identifié le", day),
                Column("Précisions", width=40),
            ],
            [[b.category.label, b.status.label, b.identified_on, b.details] for b in file.barriers],
        ),
        RecordTable(
            "freins_statuts",
            "Statuts datés des freins",
            [
                Column("Frein"),
                Column("Date", day),
                Column("Statut"),
                Column("Action menée", width=40),
                Column("Partenaire"),
            ],
            [
                [b.category.label, c.changed_on, c.status.label, c.action_taken, c.partner]
                for b in file.barriers
                for c in b.changes
            ],
        ),
        RecordTable(
            "diagnostics",
            "Diagnostics",
            [
                Column("Date", day),
                Column("Type"),
                Column("Projet validé"),
                Column("Métier visé", width=30),
                Column("Savoirs de base", width=40),
                Column("Valeurs professionnelles", width=40),
                Column("Freins et leviers", width=40),
            ],
            [
                [
                    d.written_on,
                    d.kind.label,
                    _yes(d.project_validated),
                    file.job(d.target_job_code),
                    d.basic_skills,
                    d.professional_values,
                    d.barriers_and_levers,
                ]
                for d in file.diagnostics
            ],
        ),
        RecordTable(
            "feuille_de_route",
            "Feuilles de route",
            [Column("Diagnostic du", day), Column("Étape", width=40), Column("Prévue le", day)],
            [[d.written_on, s.label, s.planned_on] for d in file.diagnostics for s in d.road_map],
        ),
        RecordTable(
            "pmsmp",
            "PMSMP (immersions)",
            [
                Column("Employeur"),
                Column("Du", day),
                Column("Au", day),
                Column("Métier", width=30),
                Column("Objectif"),
                Column("Tuteur·rice", width=30),
                Column("Bilan"),
                Column("Bilan le", day),
                Column("Suite"),
                Column("Retour de l'employeur", width=40),
            ],
            [
                [
                    i.employer.name,
                    i.starts_on,
                    i.ends_on,
                    file.job(i.job_code),
                    _label(i.objective),
                    ", ".join(x for x in (i.tutor_name, i.tutor_job, i.tutor_contact) if x) or None,
                    _label(i.outcome),
                    i.assessed_on,
                    _label(i.leads_to),
                    i.employer_feedback,
                ]
                for i in file.immersions
            ],
        ),
        RecordTable(
            "formations",
            "Formations",
            [
                Column("Certification", width=30),
                Column("Organisme"),
                Column("Financement"),
                Column("Début", day),
                Column("Fin", day),
                Column("Heures", Kind.INTEGER),
                Column("Résultat"),
                Column("Blocs obtenus"),
                Column("Motif d'abandon", width=30),
                Column("Pendant l'emploi"),
            ],
            [
                [
                    file.certification(t.certification_code),
                    t.organisation.name,
                    t.funding.label,
                    t.starts_on,
                    t.ends_on,
                    t.hours,
                    t.result.label,
                    t.blocks_obtained,
                    t.abandon_reason,
                    _yes(t.in_employment),
                ]
                for t in file.trainings
            ],
        ),
        RecordTable(
            "contrats",
            "Contrats de travail",
            [
                Column("Type"),
                Column("Employeur"),
                Column("Type d'employeur"),
                Column("Métier", width=30),
                Column("Début", day),
                Column("Durée du CDD (mois)", Kind.INTEGER),
                Column("Heures par semaine", Kind.INTEGER),
                Column("Fin", day),
                Column("Motif de fin"),
            ],
            [
                [
                    c.contract_type.label,
                    c.employer.name,
                    c.employer_type.label,
                    file.job(c.job_code),
                    c.starts_on,
                    c.cdd_months,
                    c.hours_per_week,
                    c.ended_on,
                    _label(c.end_reason),
                ]
                for c in file.contracts
            ],
        ),
        RecordTable(
            "points_de_suivi",
            "Points de suivi dans l'emploi",
            [
                Column("Contrat chez"),
                Column("Point (mois)", Kind.INTEGER),
                Column("Prévu le", day),
                Column("Fait le", day),
                Column("Toujours en poste"),
                Column("Difficultés", width=40),
                Column("Action", width=40),
                Column("Annulé le", day),
            ],
            [
                [
                    c.employer.name,
                    cp.month,
                    cp.due_on,
                    cp.recorded_on,
                    _yes(cp.still_in_post),
                    cp.difficulties,
                    cp.action_taken,
                    cp.cancelled_on,
                ]
                for c in file.contracts
                for cp in c.checkpoints
            ],
        ),
        RecordTable(
            "referents",
            "Référent·es partenaires",
            [
                Column("Nom"),
                Column("Type d'organisation"),
                Column("Organisation"),
                Column("Adresse électronique"),
                Column("Téléphone"),
            ],
            [
                [r.name, r.organisation_type.label, r.organisation_name, r.email, r.phone]
                for r in file.referents
            ],
        ),
        RecordTable(
            "echanges",
            "Échanges tripartites",
            [
                Column("Date", day),
                Column("Mode"),
                Column("Participants", width=30),
                Column("Compte rendu", width=50),
                Column("Prochaine étape", width=30),
            ],
            [[e.occurred_on, e.mode.label, e.participants, e.summary, e.next_step] for e in file.exchanges],
        ),
        RecordTable(
            "notes",
            "Notes",
            [Column("Date", day), Column("Auteur·rice"), Column("Note", width=60)],
            [[n.written_on, _who(n.author), n.body] for n in file.notes],
        ),
    ]
    return tables


def record_tables(record: PersonRecord) -> list[RecordTable]:
    """The tables that follow the pathways: information sessions and accesses to the file."""
    return [
        RecordTable(
            "informations_collectives",
            "Informations collectives",
            [
                Column("Date", Kind.DATE),
                Column("Lieu", width=30),
                Column("Présence"),
                Column("Réponse à la convocation", width=24),
                Column("Raison donnée", width=30),
            ],
            [
                [s.held_on, s.place, s.status.label, s.answer.label if s.answer else None, s.answer_reason]
                for s in record.info_sessions
            ],
        ),
        RecordTable(
            "messages",
            "Messages envoyés (le texte n'est pas conservé)",
            [
                Column("Date et heure", width=20),
                Column("Message", width=30),
                Column("Canal"),
                Column("Adresse ou numéro", width=30),
                Column("État"),
            ],
            [
                [
                    m.created_at.astimezone(clock.PLATFORM_TIMEZONE).strftime("%d/%m/%Y %H:%M"),
                    m.kind.label,
                    m.channel.label,
                    m.recipient,
                    m.status.label,
                ]
                for m in record.messages
            ],
        ),
        RecordTable(
            "acces",
            "Accès au dossier (journal d'audit, 12 derniers mois)",
            [
                Column("Date et heure", width=20),
                Column("Qui", width=28),
                Column("Rôle", width=28),
                Column("Quoi", width=40),
            ],
            [
                [a.at.astimezone(clock.PLATFORM_TIMEZONE).strftime("%d/%m/%Y %H:%M"), a.who, a.role, a.what]
                for a in record.accesses
            ],
        ),
    ]


def shown_value(value: Any) -> str:
    """A value as the PDF prints it (dates in French order)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(clock.PLATFORM_TIMEZONE).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def record_html(record: PersonRecord) -> str:
    return _environment.get_template("person_record.html").render(
        record=record,
        person=record.person,
        identity=identity_rows(record),
        pathways=[
            (pathway_title(index, pathway_record), pathway_tables(pathway_record))
            for index, pathway_record in enumerate(record.pathways, 1)
        ],
        others=record_tables(record),
        shown=shown_value,
        css_string=css_string,
    )


def write_record_pdf(record: PersonRecord, target: str | Path | IO[bytes]) -> None:
    write_pdf(record_html(record), target)


def write_record_xlsx(record: PersonRecord, target: str | Path | IO[bytes]) -> None:
    """One sheet per kind of record; the pathway's number in the first column."""
    # Printable like the bilan: A4 landscape fitted to the width, the person and the day on each page.
    book = WorkbookWriter(
        PrintSetup(
            owner=record.platform.name,
            period=f"produit le {record.produced_on:%d/%m/%Y}",
            title=f"Données personnelles {wording.de(record.person.full_name)}",
            subject="Copie des données détenues par la plateforme (droit d'accès, article 15 du RGPD)",
        )
    )
    identity = book.sheet("Identité", [Column("Donnée", width=48), Column("Valeur", width=40)], filters=False)
    for label, value in identity_rows(record):
        # One column of mixed values: dates written as the French read them.
        identity.append([label, shown_value(value) if isinstance(value, date) else value])
    merged: dict[str, RecordTable] = {}
    for index, pathway_record in enumerate(record.pathways, 1):
        for table in pathway_tables(pathway_record):
            target_table = merged.setdefault(
                table.key,
                RecordTable(table.key, table.title, [Column("Parcours n°", Kind.INTEGER), *table.columns]),
            )
            target_table.rows.extend([index, *row] for row in table.rows)
    for table in [*merged.values(), *record_tables(record)]:
        sheet = book.sheet(table.title, table.columns)
        sheet.extend(table.rows)
    book.save(target)


def export_person_record(
    session: Session,
    person: Person,
    record_format: RecordFormat,
    target: str | Path | IO[bytes],
    *,
    actor: User | None,
) -> PersonRecord:
    """Write ``person``'s whole record to ``target``, recorded in the audit trail (never its content)."""
    record = person_record(session, person)
    if record_format is RecordFormat.PDF:
        write_record_pdf(record, target)
    else:
        write_record_xlsx(record, target)
    audit.record(
        session,
        actor,
        "person.access_export",
        object_type="person",
        object_id=person.id,
        platform_id=person.platform_id,
        details={"format": record_format.value, "pathways": len(record.pathways)},
    )
    return record
