"""The declaration of personal data covers every column, and the notice and the register follow it."""

from __future__ import annotations

import sqlalchemy as sa

from pathways.crypto import EncryptedText, encrypted_columns
from pathways.models import Base
from pathways.privacy.anonymise import HANDLED_BY_NAME
from pathways.privacy.declaration import (
    CATEGORY_SUMMARIES,
    TABLES,
    Action,
    Category,
    Subject,
    categories_held,
    fields_of,
    personal_fields,
)
from pathways.privacy.documents import PrivacySettings, information_notice, register
from pathways.privacy.retention import RetentionSettings


def test_every_column_of_every_table_is_declared() -> None:
    """A column added to a model without a line in pathways/privacy/declaration.py fails here."""
    missing, unknown = [], []
    for table in Base.metadata.sorted_tables:
        declared = TABLES.get(table.name)
        if declared is None:
            missing.append(f"table {table.name}")
            continue
        columns = set(table.columns.keys())
        missing += [f"{table.name}.{c}" for c in sorted(columns - declared.columns.keys())]
        unknown += [f"{table.name}.{c}" for c in sorted(declared.columns.keys() - columns)]
    unknown += [f"table {name}" for name in TABLES if name not in Base.metadata.tables]
    assert not missing, f"declare these in pathways/privacy/declaration.py: {missing}"
    assert not unknown, f"declared but not in the models: {unknown}"


def test_a_new_personal_column_would_be_caught() -> None:
    """The check above reads the metadata: a column the declaration does not know is reported."""
    metadata = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    sa.Table("persons", metadata, sa.Column("nickname", sa.String(50)), extend_existing=True)
    persons = metadata.tables["persons"]
    assert set(persons.columns.keys()) - TABLES["persons"].columns.keys() == {"nickname"}


def test_the_anonymisation_knows_what_to_do_with_each_personal_column() -> None:
    by_name = {(d.table, d.column) for d in fields_of(Action.SCRUB) + fields_of(Action.GENERALISE)}
    assert by_name == HANDLED_BY_NAME
    for declared in fields_of(Action.CLEAR) + fields_of(Action.REPLACE):
        table = Base.metadata.tables[declared.table]
        column = table.columns[declared.column]
        assert TABLES[declared.table].owner is not None, declared
        if declared.field.on_anonymise is Action.REPLACE:
            assert declared.field.replacement, declared
        text = isinstance(column.type, sa.String | sa.Text | EncryptedText)
        assert text or column.nullable, f"{declared.table}.{declared.column} cannot be cleared"
    # Every owner chain leads to the persons table.
    for name, table in TABLES.items():
        owner, seen = table.owner, set()
        while owner is not None and owner.parent is not None:
            assert owner.parent not in seen, name
            seen.add(owner.parent)
            owner = TABLES[owner.parent].owner
            assert owner is not None, f"{name}: its owner chain stops before the person"


def test_encrypted_columns_are_personal_and_removed_at_anonymisation() -> None:
    columns = {(c.table.name, c.name) for c in encrypted_columns(Base.metadata)}
    assert columns == {
        ("notes", "body"),
        ("barriers", "details"),
        ("barrier_status_changes", "action_taken"),
        ("barrier_status_changes", "partner"),
    }
    for table, column in columns:
        declared = TABLES[table].columns[column]
        assert declared is not None
        assert declared.on_anonymise is Action.CLEAR


def test_every_category_has_a_summary_for_the_notice() -> None:
    assert set(CATEGORY_SUMMARIES) == set(Category)


def test_the_notice_and_the_register_mention_every_category_the_models_hold() -> None:
    settings = PrivacySettings(RetentionSettings(months=24, notice_days=30))
    notice = information_notice("Plateforme d'essai", settings).text()
    the_register = register("Plateforme d'essai", settings).text()
    for category in categories_held():
        assert category.label in notice, category
        assert category.label in the_register, category
    # The register names every personal field, and every kind of person concerned.
    for declared in personal_fields():
        assert declared.field.label[1:] in the_register, declared
    for subject in Subject:
        assert subject.label in the_register


def test_the_documents_say_the_durations_of_the_settings() -> None:
    settings = PrivacySettings(RetentionSettings(months=18, notice_days=45), dpo_contact="dpo@exemple.fr")
    notice = information_notice(None, settings).text()
    assert "18 mois après votre dernier contact" in notice
    assert "45 jours avant" in notice
    assert "dpo@exemple.fr" in notice
    the_register = register(None, settings).text()
    assert "18 mois après le dernier contact" in the_register
    assert "dpo@exemple.fr" in the_register
    # The encrypted columns are named among the security measures.
    assert "texte d'une note" in the_register


def test_the_register_names_the_message_providers_configured() -> None:
    """Issue 11 meets 12: once e-mail or SMS is configured, the register names those processors."""
    quiet = register(None, PrivacySettings()).text()
    assert "n'appelle aucun service extérieur" in quiet
    assert "Service d'envoi des courriels" not in quiet
    sending = register(
        None, PrivacySettings(mail_server="smtp.plateforme.fr", sms_provider="api.sms.fr")
    ).text()
    assert "Service d'envoi des courriels (smtp.plateforme.fr)" in sending
    assert "Prestataire d'envoi des SMS (api.sms.fr)" in sending
    assert "n'appelle aucun service extérieur" not in sending


def test_the_register_reads_the_providers_from_the_configuration(app, monkeypatch) -> None:
    for key, value in {"MAIL_BACKEND": "capture", "MAIL_SERVER": None, "SMS_API_URL": None}.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        assert (
            PrivacySettings.of_current_app().mail_server,
            PrivacySettings.of_current_app().sms_provider,
        ) == (
            None,
            None,
        )
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "smtp.plateforme.fr",
        "SMS_API_URL": "https://api.sms.fr/v1/messages",
        "SMS_API_KEY": None,  # without its key the SMS channel is closed: no provider is called
    }.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        settings = PrivacySettings.of_current_app()
        assert (settings.mail_server, settings.sms_provider) == ("smtp.plateforme.fr", None)
        monkeypatch.setitem(app.config, "SMS_API_KEY", "secret")
        assert PrivacySettings.of_current_app().sms_provider == "api.sms.fr"
