"""How long each authority takes and how applicants behave, per scenario: pure data from DOMAIN.md.

`decision_days` is the mean number of calendar days from filing to a decision when nobody waits on the
applicant; the simulation spreads it over the authority's moves on the path to an approval. The rates are
per case (or per request for `ask`). Authorities the scenario does not name take `DEFAULT_DECISION_DAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_DECISION_DAYS = 45.0


@dataclass(frozen=True)
class Scenario:
    name: str
    decision_days: dict[str, float]  # authority code -> mean calendar days from filing to decision
    hold_days: float = 10.0  # mean length of a Committee member's hold
    hold_rate: float = 0.1  # share of no-objection periods in which a member holds
    ask_rate: float = 0.3  # share of reviews that request information (at most two per case)
    refuse_rate: float = 0.08  # share of decisions that refuse
    withdraw_rate: float = 0.02  # share of cases an applicant withdraws while waiting
    reply_days: float = 6.0  # mean days an applicant takes to answer a request
    forwarding_days: float = 10.0  # mean days a Member State or Resident Coordinator takes to transmit a request
    no_reply_rate: float = 0.05  # share of requests never answered (the applicant withdraws much later)
    extension_rate: float = 0.2  # share of approvals whose holder asks for more time at the 30-day reminder
    report_early_rate: float = 0.4  # share of holders who report once shipping ends, before expiry
    report_days: float = 20.0  # mean days after expiry until a late holder files the delivery report
    late_reply_rate: float = 0.1  # share of answers that come after the reply deadline has passed
    late_report_rate: float = 0.15  # share of incidents (losses, diversions) reported after their window
    # The longest decision the scenario allows (authority code -> calendar days): the UN 1718 Committee's
    # recorded maximum of the year, BIS's 90 calendar days. A move's delay is cut at its share of it.
    decision_max_days: dict[str, float] = field(default_factory=lambda: {"BIS": 90})
    # An authority that acts only after another has approved the same dossier (EU after the UN Committee).
    after: dict[str, str] = field(default_factory=lambda: {"EU": "UN1718"})


SCENARIOS = {
    # UN 1718 Committee 2018: average ≈ 99 days with long holds (max ≈ 165).
    "2018": Scenario(
        "2018",
        {"UN1718": 99, "OFAC": 115, "BIS": 80, "EU": 30, "UK-OFSI": 45, "UK-ECJU": 45},
        hold_days=45,
        hold_rate=0.45,
        decision_max_days={"UN1718": 165, "BIS": 90},
    ),
    # 2019: average ≈ 15 days, max ≈ 35.
    "2019": Scenario(
        "2019",
        {"UN1718": 15, "OFAC": 110, "BIS": 75, "EU": 25, "UK-OFSI": 40, "UK-ECJU": 40},
        hold_days=8,
        decision_max_days={"UN1718": 35, "BIS": 90},
    ),
    # 2022: about two weeks.
    "2022": Scenario(
        "2022",
        {"UN1718": 14, "OFAC": 100, "BIS": 70, "EU": 25, "UK-OFSI": 35, "UK-ECJU": 35},
        hold_days=6,
        decision_max_days={"UN1718": 45, "BIS": 90},
    ),
    # OFAC specific licences: 71–93 business days (≈ 100–130 calendar days), with a long tail (the exponential's);
    # BIS at most 90 calendar days; the EU acts after the Committee; the UK in weeks to months.
    # Travel and border closures: slow replies, more extensions, late reports.
    "covid": Scenario(
        "covid",
        {"UN1718": 30, "OFAC": 130, "BIS": 85, "EU": 35, "UK-OFSI": 60, "UK-ECJU": 60},
        hold_days=15,
        reply_days=15,
        no_reply_rate=0.1,
        extension_rate=0.5,
        report_early_rate=0.2,
        report_days=40,
        late_reply_rate=0.25,
        late_report_rate=0.35,
    ),
}
