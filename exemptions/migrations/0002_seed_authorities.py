"""The authorities every installation starts with. Durations are DOMAIN.md's defaults; the admin edits them."""

from django.db import migrations

AUTHORITIES = [
    {
        "code": "UN1718",
        "name": "UN Security Council 1718 Committee",
        "jurisdiction": "United Nations — DPRK sanctions (resolution 1718 and successors; exemptions under res. 2397 para. 25)",
        "workflow_key": "un1718",
        "holiday_calendar": "US-NY",
        "time_zone": "America/New_York",
        "review_sla_working_days": 10,
        "no_objection_working_days": 5,
        "expedited_no_objection_working_days": 2,
        "default_validity_months": 6,
        "max_validity_months": 9,
        "max_shipments": 3,
        "report_due_days": 30,
        "contact_email": "sc-1718-committee@un.org",
    },
    {
        "code": "OFAC",
        "name": "US Treasury, Office of Foreign Assets Control",
        "jurisdiction": "United States — North Korea Sanctions Regulations, 31 CFR part 510",
        "workflow_key": "ofac",
        "holiday_calendar": "US-DC",
        "time_zone": "America/New_York",
        "review_sla_working_days": 60,
        "default_validity_months": 24,
        "max_validity_months": 24,
        "report_due_days": 30,
    },
    {
        "code": "BIS",
        "name": "US Commerce, Bureau of Industry and Security",
        "jurisdiction": "United States — Export Administration Regulations (15 CFR 750.4)",
        "workflow_key": "generic",
        "holiday_calendar": "US-DC",
        "time_zone": "America/New_York",
        # 15 CFR 750.4 gives 90 calendar days to resolve or escalate: about 62 working days.
        "review_sla_working_days": 62,
        "default_validity_months": 48,
        "max_validity_months": 48,
        "report_due_days": 30,
    },
    {
        "code": "EU",
        "name": "EU Member State competent authority",
        "jurisdiction": "European Union — Council Regulation (EU) 2017/1509, authorised after the 1718 Committee approves",
        "workflow_key": "generic",
        "holiday_calendar": "BE",
        "time_zone": "Europe/Brussels",
        "review_sla_working_days": 20,
        "default_validity_months": 6,
        "max_validity_months": 9,
        "report_due_days": 30,
    },
    {
        "code": "UK-OFSI",
        "name": "UK Office of Financial Sanctions Implementation",
        "jurisdiction": "United Kingdom — The Democratic People's Republic of Korea (Sanctions) (EU Exit) Regulations 2019",
        "workflow_key": "generic",
        "holiday_calendar": "GB-ENG",
        "time_zone": "Europe/London",
        "review_sla_working_days": 20,  # OFSI asks for complete applications at least 4 weeks ahead
        "default_validity_months": 12,
        "max_validity_months": 12,
        "report_due_days": 30,
    },
]


def seed(apps, schema_editor):
    Authority = apps.get_model("exemptions", "Authority")
    for fields in AUTHORITIES:
        Authority.objects.update_or_create(code=fields["code"], defaults=fields)


def unseed(apps, schema_editor):
    apps.get_model("exemptions", "Authority").objects.filter(
        code__in=[a["code"] for a in AUTHORITIES], filings__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("exemptions", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
