"""Issue 9, class 6: every route, walked with hostile values, never answers 5xx.

The attack campaign got 52 errors out of 648 tries: ids ≥ 2⁶³ in a path, a
query or a form; ``"²".isdigit()`` then ``int()``; dates at year 1 or 9999
(a week starting 9999-12-28 was accepted, then its page failed forever).
This walk puts each hostile value in every place a route reads one: each
path parameter, every query argument any page reads, every field of every
form of the application, for each role the route admits.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from pathways.forms.base import DateField, IntegerField
from pathways.models import InfoSession, OrientationWeek
from pathways.security.access import allowed_roles, is_public
from pathways.vocabulary import Role
from tests.security.scene import KINDS, SAMPLES, Scene, login

HOSTILE = [
    "9223372036854775808",  # 2⁶³
    "99999999999999999999999999",
    "2147483648",  # 2³¹: past PostgreSQL's integer
    "-1",
    "0",
    "²",
    "٣",
    "１２",  # full-width digits
    "",
    " ",
    "0001-01-01",
    "9999-12-28",
    "1-01-01",
    "\x00",
    "abc",
]
# Every query argument a page reads.
QUERY_ARGUMENTS = (
    "etat", "territoire", "alerte", "conseiller", "page", "q", "termines", "user_id", "action",
    "object_type", "object_id", "since", "until", "plateforme", "pmsmp", "formation", "next",
    "semaine", "personne", "fichier",
)
EXTRA_FIELDS = (
    "presence-1", "jour-1-1", "token", "road_map-0-title", "road_map-0-planned_on", "csrf_token",
    "retour",
)


def all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(all_subclasses(sub))
    return found


def form_field_names() -> set[str]:
    names = set(EXTRA_FIELDS)
    for form in all_subclasses(FlaskForm):
        for name in dir(form):
            if isinstance(getattr(form, name, None), UnboundField):
                names.add(name)
    return names


def path_with(rule: Rule, scene: Scene, hostile: str | None) -> str:
    """The rule's path, ids of the own platform (or ``hostile`` in every id) and samples elsewhere."""
    path = rule.rule
    for name in rule.arguments:
        if name in SAMPLES:
            value = SAMPLES[name]
        elif hostile is not None:
            value = quote(hostile, safe="")
        else:
            value = str(KINDS[name].value(scene.own, Role.MANAGER))
        path = path.replace(f"<int:{name}>", value).replace(f"<path:{name}>", value).replace(f"<{name}>", value)
    return path


def test_hostile_values_in_every_place_of_every_route_never_give_a_5xx(
    app: Flask, session: Session, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    fields = sorted(form_field_names())
    assert {"held_on", "seats", "starts_on", "cdd_months", "person", "pathway", "since"} <= set(fields)
    failures: list[str] = []
    requests = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or set(rule.arguments) - KINDS.keys() - SAMPLES.keys():
            continue
        view = app.view_functions[rule.endpoint]
        roles = [None] if is_public(view) else sorted(allowed_roles(view), key=lambda r: r.value)
        methods = sorted(m for m in (rule.methods or ()) if m in ("GET", "POST"))
        for role in roles:
            for method in methods:
                for hostile in HOSTILE:
                    places = [path_with(rule, scene, None)]
                    if any(name in KINDS for name in rule.arguments):
                        places.append(path_with(rule, scene, hostile))
                    for path in places:
                        client = app.test_client()
                        if role is not None:
                            login(client, scene.own.user(role))
                        query = dict.fromkeys(QUERY_ARGUMENTS, hostile)
                        data = dict.fromkeys(fields, hostile) if method == "POST" else None
                        requests += 1
                        try:
                            response = client.open(path, method=method, query_string=query, data=data)
                        except Exception as error:  # a crash is a finding, reported with the others
                            failures.append(f"{method} {path} as {role} with {hostile!r}: {error!r}")
                            continue
                        if response.status_code >= 500:
                            failures.append(f"{method} {path} as {role} with {hostile!r}: {response.status_code}")
    print(f"\nhostile walk: {requests} requests, {len(failures)} 5xx")  # noqa: T201 - the size of the walk
    assert not failures, "\n".join(failures[:60])


@pytest.mark.parametrize(("raw", "ok"), [("2030-01-07", True), ("9999-12-28", False), ("0001-01-01", False)])
def test_a_far_week_is_refused_with_a_french_message(
    app: Flask, session: Session, scene: Scene, monkeypatch: pytest.MonkeyPatch, raw: str, ok: bool
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    client = app.test_client()
    login(client, scene.own.world.manager)
    before = session.scalar(sa.select(sa.func.count()).select_from(OrientationWeek))
    response = client.post(
        "/pole-orientation/nouvelle", data={"starts_on": raw, "place": "Versailles", "seats": "10"}
    )
    session.rollback()
    after = session.scalar(sa.select(sa.func.count()).select_from(OrientationWeek))
    if ok:
        assert response.status_code == 302
        assert after == before + 1
        assert app.test_client().get(response.headers["Location"]).status_code < 500
    else:
        assert response.status_code == 422
        assert "comprise entre le 01/01/1900 et le 31/12/2100" in response.get_data(as_text=True)
        assert after == before


def test_numbers_are_parsed_strictly() -> None:
    """``int()`` reads "٣" as 3 and "²".isdigit() is true: only ASCII digits are numbers here."""
    from werkzeug.datastructures import MultiDict

    from pathways.forms.base import Form

    class Probe(Form):
        class Meta:
            csrf = False

        number = IntegerField("n")
        day = DateField("d")

    for raw in ("٣", "²", "１２", "9223372036854775808", "1_000", " 3 4"):
        form = Probe(formdata=MultiDict({"number": raw, "day": "2025-01-01"}))
        assert not form.validate(), raw
        assert form.number.data is None
    form = Probe(formdata=MultiDict({"number": "-12", "day": "2025-01-01"}))
    assert form.validate()
    assert (form.number.data, form.day.data) == (-12, date(2025, 1, 1))


def test_an_id_out_of_range_in_a_path_is_a_logged_404(app: Flask, session: Session, scene: Scene) -> None:
    client = app.test_client()
    login(client, scene.own.world.manager)
    for raw in ("9223372036854775808", "2147483648", "٣", "0"):
        assert client.get(f"/parcours/{quote(raw)}").status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(InfoSession)) == 2
