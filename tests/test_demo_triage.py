"""The demo's triage dossiers: each proposes a different set of authorities, and a second run makes nothing."""

import datetime as dt

from exemptions import demo_triage
from exemptions.models import Application


def test_the_demo_dossiers_show_four_different_triages(org, applicant):
    org.kind = "ngo"
    org.save()
    assert demo_triage.seed(org, applicant, dt.date(2027, 1, 10)) == 4
    sets = {
        a.title.split("(triage: ")[1].rstrip(")"): (
            sorted(x.code for x in a.required_authorities.all()),
            {r.authority.code: r.route for r in a.requirements.select_related("authority")},
        )
        for a in Application.objects.filter(organization=org)
    }
    assert sets["food only"][0] == ["UN1718"]
    assert sets["US-origin medicine"] == (["OFAC", "UN1718"], {"OFAC": "ofac_gl", "UN1718": "un1718"})
    assert sets["US-origin HS 8418"][0] == ["BIS", "UN1718"]
    assert sets["EU exporter"][0] == ["EU", "UN1718"]
    assert demo_triage.seed(org, applicant, dt.date(2027, 1, 10)) == 0
