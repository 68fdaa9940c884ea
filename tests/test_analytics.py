"""Processing-time analytics (issue 21) against hand-computed figures: days to decision net of the applicant's
time (an information request, a Committee member's questions) and, separately, of a Member State's; holds;
outcomes and their reason categories; approvals lapsed before any shipment and the days to the first shipment;
the one suppression rule of the public face."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from exemptions import analytics
from exemptions.analytics import tables
from exemptions.models import Authority, Filing, Shipment
from tests.analytics_fixtures import DAY, bis_cases, case, midnight_utc


@pytest.fixture
def bis(org, applicant):
    return bis_cases(org, applicant)


@pytest.fixture
def un_utc(db):
    """The Committee's days counted in UTC, so a transmission date starts at a midnight the test can name."""
    Authority.objects.filter(code="UN1718").update(time_zone="UTC")


@pytest.fixture
def un_cases(un_utc, org, applicant):
    start = midnight_utc(200)
    member_state = {"submission_channel": Filing.Channel.MEMBER_STATE, "channel_detail": "Norway"}
    transmitted = (start + 3 * DAY).date().isoformat()
    held = case(
        org, applicant, "UN1718",
        [
            ("record_transmission", 3.4, {"transmitted_on": transmitted}),  # the Committee's clock starts on day 3
            ("take", 4, {}), ("circulate", 4.1, {}),
            ("place_hold", 5, {}),  # a hold of 5 days…
            ("relay_member_questions", 6, {}),
            ("answer_member_questions", 8, {}),  # …2 of them with the applicant
            ("pass_answer_to_member", 8.5, {}),
            ("release_hold", 10, {}),
            ("record_objection", 12, {"reasons": "The end-user statement does not name the hospitals."}),
        ],
        "Held case", start=start, channel=member_state,
    )  # fmt: skip
    returned = case(
        org, applicant, "UN1718",
        [
            ("record_transmission", 1, {"transmitted_on": (start + 21 * DAY).date().isoformat()}),
            ("take", 2, {}),
            ("return_incomplete", 6, {"reasons": "Documents missing: the item list is incomplete."}),
        ],
        "Returned case", start=start + 20 * DAY, channel=member_state,
    )  # fmt: skip
    return held, returned


def test_figures_match_hand_computed_medians_percentiles_and_shares(bis):
    figures = analytics.figures(Filing.objects.filter(authority__code="BIS"))

    # decided, net of the applicant's wait: 4, 7, 10, 16, 30
    assert figures.filed == 6 and figures.decided == 5
    assert figures.median_days == 10.0
    assert figures.p90_days == 30.0  # nearest rank: the 5th of 5
    assert figures.returned_share == round(1 / 6, 3)
    assert figures.denied_share == 0.2


def test_percentile_is_the_nearest_rank():
    assert analytics.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert analytics.percentile([5], 0.9) == 5
    assert analytics.percentile([3, 1, 2], 0.5) == 2


def test_the_applicants_wait_is_the_engines_count_for_an_information_request(bis):
    cases = {c.pk: c for c in analytics.load_cases(Filing.objects.filter(authority__code="BIS"))}
    asked = cases[bis[1].pk]
    assert asked.applicant_wait_seconds == 4 * 86400
    assert asked.days_to_decision == 16.0 and asked.questions_asked
    assert [cases[f.pk].authority_days for f in bis[:5]] == [10.0, 16.0, 4.0, 30.0, 7.0]  # no Member State


def test_member_state_time_hold_and_hold_questions_are_kept_apart(un_cases):
    held, returned = un_cases
    assert held.forwarded_at == midnight_utc(200) + 3 * DAY
    assert held.applicant_wait_seconds == 2 * 86400  # the member's questions, not the hold
    cases = {c.pk: c for c in analytics.load_cases(Filing.objects.filter(authority__code="UN1718"))}
    first, second = cases[held.pk], cases[returned.pk]
    # 12 days to the objection, less the 2 days the applicant spent on the member's questions.
    assert first.days_to_decision == 10.0
    assert first.forwarding_days == 3.0 and first.authority_days == 7.0  # less the Member State's 3 days
    assert first.held and first.hold_days == 5.0 and first.questions_asked
    assert second.days_to_decision == 6.0 and second.authority_days == 5.0 and not second.held
    channel = next(t for t in analytics.build_tables(list(cases.values()), timezone.localdate()) if t.key == "channels")
    (row,) = channel.rows
    # Filed, decided; days to decision 6 and 10; the Committee's own 5 and 7; the Member State's 1 and 3.
    assert row[0].text.endswith("(UN1718)")
    assert [c.text for c in row[1:]] == ["Via a Member State", "2", "2", "8.0", "10.0", "6.0", "7.0", "2.0", "3.0"]


def test_an_objection_while_the_questions_are_with_the_applicant_counts_only_their_time(un_utc, org, applicant):
    member_state = {"submission_channel": Filing.Channel.MEMBER_STATE, "channel_detail": "Norway"}
    start = midnight_utc(100)
    objected = case(
        org, applicant, "UN1718",
        [
            ("record_transmission", 1, {"transmitted_on": (start + DAY).date().isoformat()}),
            ("take", 2, {}), ("circulate", 2, {}),
            ("place_hold", 3, {}), ("relay_member_questions", 7, {}),  # 4 days of hold, then questions…
            ("record_objection", 10, {"reasons": "Quantities out of proportion."}),  # …3 days with the applicant
        ],
        "Objected case", start=start, channel=member_state,
    )  # fmt: skip
    assert objected.applicant_wait_seconds == 3 * 86400  # the questions' days, not the member's hold
    (found,) = analytics.load_cases(Filing.objects.filter(pk=objected.pk))
    assert found.days_to_decision == 7.0 and found.authority_days == 6.0
    assert found.hold_days == 7.0 and analytics.categorize(found.decision_reasons).key == "quantity"


def test_outcomes_and_reason_categories_come_from_the_declared_table(un_cases, bis):
    cases = analytics.load_cases(Filing.objects.all())
    built = {t.key: t for t in analytics.build_tables(cases, timezone.localdate())}
    reasons = {(r[0].text.split("(")[-1], r[1].text, r[2].text): r[3].value for r in built["reasons"].rows}
    assert reasons == {
        ("BIS)", "Denied", "End use or end users not shown"): 1,
        ("UN1718)", "Objected by a Committee member", "End use or end users not shown"): 1,
        ("UN1718)", "Returned as incomplete", "Incomplete request or missing documents"): 1,
    }
    outcomes = built["outcomes"]
    un_row = next(r for r in outcomes.rows if "(UN1718)" in r[0].text)
    shares = dict(zip(outcomes.columns, (c.value for c in un_row), strict=True))
    assert shares["Decided"] == 2 and shares["Approved"] == 0.0
    assert shares["Objected by a Committee member"] == 0.5 and shares["Returned as incomplete"] == 0.5
    assert analytics.categorize("Party is on the sanctions list; end use unclear").key == "listed_party"
    assert analytics.categorize("").key == "other"
    holds = built["holds"]
    assert [c.text for c in holds.rows[0]][1:] == ["2", "1", "50.0 %", "5.0", "5.0"]
    assert all("(UN1718)" in r[0].text for r in holds.rows)  # only a procedure with holds has the table's rows


def test_lapsed_before_shipment_and_days_to_the_first_shipment(bis, org):
    approvals = [f for f in bis if f.valid_from_on]
    assert len(approvals) == 4
    shipped = approvals[0]
    approved_on = shipped.decided_at.astimezone(ZoneInfo(shipped.authority.time_zone)).date()
    early = approved_on + 12 * DAY
    for departed, later in ((early, 0), (None, 3)):  # a planned shipment has not drawn on the approval yet
        shipment = Shipment.objects.create(
            application=shipped.application, mode=Shipment.Mode.ROAD, planned_departure_on=early + later * DAY,
            planned_arrival_on=early + (later + 2) * DAY, departed_on=departed,
        )  # fmt: skip
        shipment.approvals.add(shipped)
    second = Shipment.objects.create(
        application=shipped.application, mode=Shipment.Mode.ROAD, planned_departure_on=early + 20 * DAY,
        planned_arrival_on=early + 22 * DAY, departed_on=early + 20 * DAY,
    )  # fmt: skip
    second.approvals.add(shipped)
    cases = {c.pk: c for c in analytics.load_cases(Filing.objects.filter(authority__code="BIS"))}
    assert cases[shipped.pk].days_to_first_shipment == 12.0
    after_validity = timezone.localdate() + 31 * DAY
    assert [cases[f.pk].lapsed_unused(after_validity) for f in approvals] == [False, True, True, True]
    assert not any(cases[f.pk].lapsed_unused(timezone.localdate()) for f in approvals)  # still valid today
    table = tables.shipments_table(list(cases.values()), after_validity)
    assert [c.text for c in table.rows[0]][1:] == ["4", "4", "3", "75.0 %", "1", "12.0", "12.0"]


def test_one_suppression_rule_four_cases_suppressed_five_shown():
    table = tables.Table(
        "t", "T", "", ["Label", "Count", "Median", "Share"],
        [
            [tables.label("a"), tables.count(4), tables.Cell(3.0, cases=4), tables.ratio(4, 10)],
            [tables.label("b"), tables.count(5), tables.Cell(3.0, cases=5), tables.ratio(5, 10)],
            [tables.label("c"), tables.count(0), tables.Cell(None, cases=0), tables.ratio(2, 4)],
        ],
    )  # fmt: skip
    shown = analytics.publishable(table)
    assert [c.text for c in shown.rows[0]] == ["a"] + [analytics.SUPPRESSED_TEXT] * 3
    assert [c.text for c in shown.rows[1]] == ["b", "5", "3.0", "50.0 %"]
    assert all(c.suppressed for c in shown.rows[2][1:])
    csv = analytics.to_csv(shown).decode()
    assert csv.splitlines()[1] == "a,fewer than 5 cases,fewer than 5 cases,fewer than 5 cases"
    assert csv.splitlines()[2] == "b,5,3.0,50.0 %"


def test_a_csv_label_never_runs_as_a_formula():
    table = tables.Table("t", "T", "", ["Label"], [[tables.label("=HYPERLINK(1)")], [tables.label("Plain")]])
    assert analytics.to_csv(table).decode().splitlines()[1:] == ["'=HYPERLINK(1)", "Plain"]


def test_loading_cases_takes_a_bounded_number_of_queries(bis, un_cases, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        cases = analytics.load_cases(Filing.objects.all())
    assert len(cases) == 8


def test_the_chart_is_inline_svg_from_shown_cells_only(bis):
    cases = analytics.load_cases(Filing.objects.all())
    table = analytics.build_tables(cases, timezone.localdate())[0]
    chart = analytics.table_chart(table)
    assert chart.startswith("<svg") and "BIS" in chart and "10.0 / 30.0 d" in chart
    assert "<script" not in chart and "style=" not in chart and "href" not in chart
    assert analytics.table_chart(analytics.publishable(tables.Table("x", "X", "", ["A"], [], table.chart))) is None
