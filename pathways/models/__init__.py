"""The database models, one module per part of the domain."""

from pathways.models.barrier import Barrier, BarrierStatusChange
from pathways.models.base import Base
from pathways.models.coaccompaniment import Exchange, Referent
from pathways.models.imports import ImportBatch
from pathways.models.job import BackgroundJob
from pathways.models.messaging import OutgoingMessage
from pathways.models.orientation import (
    Diagnostic,
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    RoadMapStep,
)
from pathways.models.pathway import (
    AdviserAssignment,
    Note,
    Pathway,
    PathwayEvent,
    PersonStanding,
    PlannedStep,
)
from pathways.models.person import Person
from pathways.models.platform import (
    AdviserReplacement,
    AuditEntry,
    LoginAttempt,
    Platform,
    Territory,
    User,
    user_territories,
)
from pathways.models.reference import Certification, Employer, Job, Prescriber, TrainingOrganisation
from pathways.models.steps import Checkpoint, Contract, Immersion, Training
from pathways.models.submission import FormSubmission

__all__ = [
    "AdviserAssignment",
    "AdviserReplacement",
    "AuditEntry",
    "BackgroundJob",
    "Barrier",
    "BarrierStatusChange",
    "Base",
    "Certification",
    "Checkpoint",
    "Contract",
    "Diagnostic",
    "Employer",
    "Exchange",
    "FormSubmission",
    "Immersion",
    "ImportBatch",
    "InfoSession",
    "InfoSessionAttendance",
    "Job",
    "LoginAttempt",
    "Note",
    "OrientationAttendance",
    "OrientationParticipant",
    "OrientationWeek",
    "OutgoingMessage",
    "Pathway",
    "PathwayEvent",
    "Person",
    "PersonStanding",
    "PlannedStep",
    "Platform",
    "Prescriber",
    "Referent",
    "RoadMapStep",
    "Territory",
    "Training",
    "TrainingOrganisation",
    "User",
    "user_territories",
]
