"""The reader on wording it was not written from (issue 14, "build for the general case"):
clauses of the development set paraphrased in new ways. Each case is one a practice manager
would see wrong on the agreement page if the rule missed it."""

import pytest

from reader.rules import read
from reader.text import quantities

from .test_reader_rules import baa


def _notice(clause):
    v = read(baa(notice=clause)).breach_notice.value
    return v["days"], v["unit"], v["text_only"]


@pytest.mark.parametrize(
    "clause, window",
    [
        ("shall notify Covered Entity of a Breach within one (1) week of discovery.", (7, "calendar")),
        ("Upon discovering a Breach, Business Associate shall notify Covered Entity within 24 hrs.", (24, "hours")),
        ("shall notify Covered Entity of a Breach within a 72-hour period following discovery.", (72, "hours")),
        ("Any Breach of Unsecured PHI shall be reported to Covered Entity within seventy two hours after discovery.", (72, "hours")),
        ("shall notify Covered Entity of a Breach within ten (10) working days after discovery.", (10, "business")),
        ("shall report Security Incidents within five (5) business days, and shall notify Covered Entity of a Breach of Unsecured PHI within twenty (20) calendar days after discovery.", (20, "calendar")),
    ],
)  # fmt: skip
def test_breach_windows_in_new_wording(clause, window):
    assert _notice("Business Associate " + clause)[:2] == window


def test_weeks_count_as_calendar_days_and_hrs_as_hours():
    got = [(q.value, q.unit, q.kind) for q in quantities("two (2) weeks, 48 hrs, a 30-day period")]
    assert got == [(14, "days", "calendar"), (48, "hours", ""), (30, "days", "calendar")]


@pytest.mark.parametrize(
    "clause, who",
    [
        ("Business Associate will be responsible for and pay all costs Covered Entity incurs in providing notification of a Breach caused by Business Associate.", "ba_indemnifies_ce"),
        ("Nothing in this Agreement obligates either party to indemnify the other.", "none"),
        ("Nothing in this Agreement limits Business Associate's duty to indemnify Covered Entity for its losses.", "ba_indemnifies_ce"),
        ("The parties shall mutually indemnify one another against third-party claims resulting from their respective violations of HIPAA.", "mutual"),
    ],
)  # fmt: skip
def test_indemnity_in_new_wording(clause, who):
    assert read(baa(extra=clause)).indemnification.value == who


@pytest.mark.parametrize(
    "clause, cap",
    [
        ("Business Associate's liability under this Agreement is limited to two times (2x) the annual fees payable under the Services Agreement.", ("multiple_of_fees", 2)),
        ("Business Associate's cumulative liability shall not exceed three (3) times the fees paid in the twelve months before the claim.", ("multiple_of_fees", 3)),
        ("Business Associate's liability shall in no event exceed $500,000 in the aggregate.", ("fixed_amount", 500000)),
        ("The aggregate liability of Business Associate shall not exceed one hundred thousand dollars.", ("fixed_amount", 100000)),
        ("Business Associate's liability shall not exceed USD 2,000,000.", ("fixed_amount", 2000000)),
        ("Vendor's liability is limited to an amount equal to the fees paid during the prior twenty-four months.", ("months_of_fees", 24)),
    ],
)  # fmt: skip
def test_caps_in_new_wording(clause, cap):
    v = read(baa(extra=clause)).liability_cap.value
    figure = {"multiple_of_fees": "multiple", "fixed_amount": "amount"}.get(cap[0], "months")
    assert (v["type"], v[figure]) == cap


def test_carve_outs_stated_before_the_cap():
    r = read(
        baa(
            extra="Other than for claims arising from gross negligence or fraud, Business "
            "Associate's aggregate liability shall not exceed the fees paid in the six (6) months "
            "preceding the claim."
        )
    )
    assert (r.liability_cap.value["type"], r.liability_cap.value["months"]) == ("months_of_fees", 6)
    assert sorted(r.carve_outs.value) == ["fraud", "gross_negligence"]


@pytest.mark.parametrize(
    "clause, renews",
    [
        ("Upon expiry of the initial term, this Agreement will be extended for additional one (1) year periods unless either party terminates it.", True),
        ("This Agreement may be extended for additional one-year periods by mutual written agreement of the parties.", False),
        ("This Agreement will not renew automatically; any renewal requires a written amendment.", False),
    ],
)  # fmt: skip
def test_renewal_in_new_wording(clause, renews):
    assert read(baa(extra=clause)).auto_renewal.value["renews"] is renews


def test_a_two_word_role_term_is_kept_whole():
    p = read(baa(ce="Covered Organization", ba="Service Provider")).parties.value
    assert (p["covered_entity"], p["business_associate"]) == (
        "Covered Organization",
        "Service Provider",
    )


def test_provisions_in_new_wording():
    text = baa(ba="Processor", ce="Clinic").replace(
        "Processor shall report to Clinic any use or disclosure of PHI not provided for by this "
        "Agreement.",
        "Processor will report to Clinic any use or disclosure of PHI that this Agreement does "
        "not permit.",
    )
    text = text.replace(
        "To the extent Processor carries out one or more of Clinic's obligations under Subpart E "
        "of 45 CFR Part 164, Processor shall comply with those requirements.",
        "Where Processor performs an obligation of Clinic under Subpart E of 45 CFR Part 164, "
        "Processor will comply with the requirements that apply to Clinic.",
    )
    assert "does not permit" in text and "performs an obligation" in text
    r = read(text)
    assert r.provisions["report_incidents"].value is True
    assert r.provisions["ce_obligations"].value is True


@pytest.mark.parametrize(
    "clause, window",
    [
        ("Business Associate shall immediately notify Covered Entity of any Breach of Unsecured PHI.", (None, None, True)),
        ("Business Associate shall notify Covered Entity of a Breach as soon as practicable after discovery.", (None, None, True)),
        ("Business Associate shall promptly notify Covered Entity of a Breach, and in any event within ten (10) days.", (10, "calendar", False)),
        ("Business Associate shall promptly report Security Incidents to Covered Entity.", (None, None, False)),
    ],
)  # fmt: skip
def test_a_breach_notice_given_promptly_has_no_number(clause, window):
    """Shown as "Without unreasonable delay (no number of days)", which the findings flag."""
    assert _notice(clause) == window


@pytest.mark.parametrize(
    "clause, rights",
    [
        ("Business Associate may use PHI to provide Data Aggregation services relating to the health care operations of Covered Entity as permitted by 45 CFR 164.504(e)(2)(i)(B).", []),
        ("Business Associate may aggregate PHI with data from its other customers to improve its services.", ["aggregation"]),
        ("Business Associate may use PHI to train and improve its artificial intelligence models.", ["model_training"]),
    ],
)  # fmt: skip
def test_data_aggregation_for_the_practice_is_not_an_own_use_right(clause, rights):
    """Accepting the own-use proposal sets the agreement's own-use terms (a finding): the
    aggregation 164.504(e)(2)(i)(B) permits for the practice must not be proposed as one."""
    assert sorted(read(baa(extra=clause)).own_use.value) == rights


def test_an_effective_date_introduced_by_takes_effect():
    r = read(baa(extra="This Agreement takes effect January 1st, 2025 and continues for a term "
                 "of three (3) years."))  # fmt: skip
    assert (r.dates.value["effective_on"], r.dates.value["term_years"]) == ("2025-01-01", 3)
