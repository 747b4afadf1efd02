"""The dashboard's alert counts agree with the alerts the list shows, pathway by pathway.

``alert_counts`` counts a caseload in one pass, a whole platform alert by
alert (one index per date); the caseload flags each row. On the demo
platform, whose pathways raise most kinds of alert, both ways give for every
alert the number of listed pathways flagged with it.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from pathways import clock
from pathways.demo import seed_demo
from pathways.models import Pathway, Person, Platform
from pathways.services.caseload import Alert, CaseloadFilters, alert_counts, caseload_rows


def test_each_alert_counted_as_the_list_flags_it(session) -> None:
    seed_demo(session, persons=120)
    platform_id = session.scalar(sa.select(Platform.id))
    # A few persons not yet given the notice, so that alert is counted too.
    session.execute(
        sa.update(Person).where(Person.id.in_(sa.select(Person.id).limit(7))).values(informed_on=None)
    )
    scope = Pathway.platform_id == platform_id
    today = clock.today()

    flagged = Counter(
        alert for row in caseload_rows(session, scope, CaseloadFilters(), today=today) for alert in row.alerts
    )
    one_pass = alert_counts(session, scope, today=today)
    one_by_one = alert_counts(session, scope, today=today, platform_id=platform_id)

    assert one_pass == {alert: flagged[alert] for alert in Alert}
    assert one_by_one == one_pass
    # Not a comparison of zeros: the demo raises most alerts.
    assert sum(1 for n in one_pass.values() if n) >= 4, one_pass
