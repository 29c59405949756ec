"""A vendor's BAA against the practice's standard: exactly the differences for a set of
prepared vendor agreements, each with our template's wording; the reader's pending proposals
fill in what is not recorded; the agreement-page panel and the one-page negotiation memo."""

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from baas.choices import (
    CapKind,
    CarveOut,
    DayKind,
    Indemnification,
    NoticeTrigger,
    ProvisionState,
    ReturnDestroy,
    TemplateSource,
    Term,
)
from baas.findings import AgreementFacts
from baas.provisions import PROVISIONS
from generator import template
from generator.comparison import PROPOSED, RECORDED, Pending, compare
from generator.positions import DEFAULTS
from oversight.models import AuditEvent
from reader.models import DocumentReading, Proposal

from .baas_factories import ALL_PRESENT, make_agreement

TODAY = date(2026, 3, 2)  # a Monday; the comparison takes the date as an argument
ALL_CARVE_OUTS = tuple(CarveOut.values)


def codes(a, standard=DEFAULTS, pending=()):
    result = compare(a, standard, practice="Riverside", vendor="Acme", today=TODAY, pending=pending)
    return [d.code for d in result.differences], result


# The practice's own terms (what our generator records), as a vendor agreement.
MATCHING = AgreementFacts(
    indemnification=Indemnification.MUTUAL,
    cap_kind=CapKind.NONE,
    breach_notice_days=5,
    breach_notice_day_kind=DayKind.BUSINESS,
    breach_notice_trigger=NoticeTrigger.DISCOVERY,
    audit_rights=Term.YES,
    offshore_restricted=Term.YES,
    return_destroy=ReturnDestroy.EITHER,
    provisions=dict(ALL_PRESENT),
)

PREPARED = [
    # (name, the vendor's agreement, the differences against the default standard)
    ("our own terms", MATCHING, []),
    (
        "one-sided vendor paper with a 3-month cap and 30 days' notice",
        replace(
            MATCHING,
            indemnification=Indemnification.VENDOR_FAVOURABLE,
            cap_kind=CapKind.FEES_MONTHS,
            cap_months=3,
            carve_outs=(CarveOut.GROSS_NEGLIGENCE, CarveOut.WILLFUL_MISCONDUCT),
            breach_notice_days=30,
            breach_notice_day_kind=DayKind.CALENDAR,
        ),
        [
            "indemnification",
            "cap",
            "carve_out:fraud",
            "carve_out:misrepresentation",
            "carve_out:violation_of_law",
            "notice_window",
        ],
    ),
    (
        "mutual, uncapped, 10 business days from confirmation, two provisions absent",
        replace(
            MATCHING,
            breach_notice_days=10,
            breach_notice_trigger=NoticeTrigger.LATER,
            provisions={**ALL_PRESENT, "accounting": "absent", "books_records": "absent"},
        ),
        ["notice_window", "notice_trigger", "provision:accounting", "provision:books_records"],
    ),
    (
        "one-sided in our favour, capped with every carve-out, 72 hours, no audit, offshore",
        replace(
            MATCHING,
            indemnification=Indemnification.PRACTICE_FAVOURABLE,
            cap_kind=CapKind.FIXED,
            cap_amount=Decimal("5000000"),
            carve_outs=ALL_CARVE_OUTS,
            breach_notice_days=72,
            breach_notice_day_kind=DayKind.HOURS,
            audit_rights=Term.NO,
            offshore_restricted=Term.NO,
        ),
        ["cap", "audit", "offshore"],
    ),
    (
        "no indemnity, no window, PHI at termination not addressed",
        replace(
            MATCHING,
            indemnification=Indemnification.NONE,
            breach_notice_days=None,
            return_destroy=ReturnDestroy.NOT_ADDRESSED,
        ),
        ["indemnification", "notice_window", "provision:return_destroy"],
    ),
]


@pytest.mark.parametrize("name,agreement,expected", PREPARED, ids=[p[0] for p in PREPARED])
def test_exactly_the_differences_of_each_prepared_agreement(name, agreement, expected):
    found, result = codes(agreement)
    assert found == expected
    for d in result.differences:
        assert d.source == RECORDED and d.ask, d.code


def test_each_difference_asks_for_our_template_clause():
    agreement = PREPARED[1][1]
    _, result = codes(agreement)
    by_code = {d.code: d for d in result.differences}
    ours = {c.key: c for c in template.clauses("Riverside", "Acme", DEFAULTS).clauses}
    assert by_code["indemnification"].ask == ours["indemnification"].text
    assert by_code["indemnification"].ask.startswith("Each party indemnifies")
    assert by_code["cap"].ask == ours["cap"].text  # no limitation for breaches of PHI
    assert by_code["notice_window"].ask == ours["report_incidents"].text
    assert "5 business days" in by_code["notice_window"].ask
    # Our standard has no cap, so no carve-out clause: each missing one is worded alone.
    assert by_code["carve_out:fraud"].ask == (
        "The limitation above does not apply to losses arising from a party's fraud."
    )
    assert by_code["carve_out:violation_of_law"].title.endswith("violations of law")
    _, result = codes(PREPARED[2][1])
    absent = {d.code: d for d in result.differences}["provision:accounting"]
    assert absent.ask == ours["accounting"].text and "164.504(e)(2)(ii)(G)" in absent.title


def test_notice_windows_compare_business_days_on_the_worst_case():
    standard = replace(DEFAULTS, breach_notice_days=10, breach_notice_day_kind=DayKind.CALENDAR)
    # 5 business days can span 11 calendar days (year-end holidays and weekends): longer
    # than 10 calendar days, though a plain week holds 5 business days.
    five = replace(MATCHING, breach_notice_days=5, breach_notice_day_kind=DayKind.BUSINESS)
    found, result = codes(five, standard)
    assert found == ["notice_window"]
    assert "up to 11 calendar days on the worst case" in result.differences[0].theirs
    # 4 business days are at most 7 calendar days: not longer.
    assert codes(replace(five, breach_notice_days=4), standard)[0] == []
    # 240 hours are 10 calendar days: the same window.
    hours = replace(MATCHING, breach_notice_days=240, breach_notice_day_kind=DayKind.HOURS)
    assert codes(hours, standard)[0] == []


def test_the_cap_against_a_capped_standard():
    standard = replace(DEFAULTS, cap_kind=CapKind.FEES_MONTHS, cap_months=24)
    capped = replace(MATCHING, carve_outs=ALL_CARVE_OUTS)
    assert codes(replace(capped, cap_kind=CapKind.FEES_MONTHS, cap_months=24), standard)[0] == []
    assert codes(replace(capped, cap_kind=CapKind.FEES_MONTHS, cap_months=12), standard)[0] == [
        "cap"
    ]
    # A multiple of the annual value counts 12 months per unit.
    assert codes(replace(capped, cap_kind=CapKind.MULTIPLE, cap_multiple=2), standard)[0] == []
    # A fixed amount: in dollars from the annual contract value, else it cannot be valued.
    fixed = replace(capped, cap_kind=CapKind.FIXED, cap_amount=Decimal("100000"))
    found, result = codes(fixed, standard)
    assert found == ["cap"] and "record the annual contract value" in result.differences[0].title
    valued = replace(fixed, annual_contract_value=Decimal("40000"))  # ours: $80,000
    assert codes(valued, standard)[0] == []
    assert codes(replace(valued, cap_amount=Decimal("60000")), standard)[0] == ["cap"]
    # No cap at all beats any cap; a standard without carve-outs asks for none.
    assert codes(MATCHING, standard)[0] == []
    no_carve = replace(standard, carve_outs=())
    assert (
        codes(replace(fixed, carve_outs=(), annual_contract_value=Decimal("40000")), no_carve)[0]
        == []
    )


def test_pending_proposals_fill_in_only_what_is_not_recorded():
    unread = AgreementFacts(provisions={**ALL_PRESENT, "amendment": ProvisionState.NOT_REVIEWED})
    pending = [
        Pending("indemnification", "ce_indemnifies_ba", "Covered Entity shall indemnify", 3),
        Pending("liability_cap", {"type": "months_of_fees", "months": 6}, "six (6) months", 4),
        Pending("carve_outs", ["gross_negligence", "willful_misconduct", "fraud"], "", 4),
        Pending("breach_notice", {"days": 15, "unit": "business"}, "fifteen business days", 2),
        Pending("provision:amendment", False, "", None),
    ]
    found, result = codes(unread, pending=pending)
    assert found == [
        "indemnification",
        "cap",
        "carve_out:misrepresentation",
        "carve_out:violation_of_law",
        "notice_window",
        "provision:amendment",
    ]
    first = result.differences[0]
    assert first.source == PROPOSED and first.excerpt == "Covered Entity shall indemnify"
    assert first.page == 3
    assert {d.source for d in result.differences} == {PROPOSED}
    # Recorded terms win over the proposals.
    recorded = replace(MATCHING, provisions={**ALL_PRESENT})
    assert codes(recorded, pending=pending)[0] == []


def test_terms_not_recorded_and_not_proposed_are_said_not_compared():
    found, result = codes(AgreementFacts())
    assert found == ["notice_window"]  # no window: the legal 60 days apply
    assert result.not_compared == (
        "Indemnification",
        "Liability cap",
        f"{len(PROVISIONS)} required provisions not reviewed",
    )


# --- the agreement page and the memo ---------------------------------------------------------


@pytest.fixture
def vendor_paper(vendor, cast):
    return make_agreement(
        vendor,
        template_source=TemplateSource.VENDOR,
        indemnification=Indemnification.VENDOR_FAVOURABLE,
        cap_kind=CapKind.FEES_MONTHS,
        cap_months=3,
        annual_contract_value=Decimal("24000"),
        carve_outs=list(ALL_CARVE_OUTS),
        breach_notice_days=5,
        breach_notice_day_kind=DayKind.BUSINESS,
    )


@pytest.mark.django_db
def test_the_agreement_page_shows_the_differences_and_the_readers_proposals(
    cast, login, vendor_paper
):
    reading = DocumentReading.objects.create(
        organization=cast.practice, agreement=vendor_paper, pasted_text="x", status="done"
    )
    Proposal.objects.create(
        organization=cast.practice,
        reading=reading,
        field="provision:accounting",
        value=False,
        excerpt="",
        confidence=0.8,
    )
    page = login(cast.charlie).get(vendor_paper.get_absolute_url()).content.decode()
    assert 'id="comparison"' in page and "3 differences" in page
    assert 'data-code="indemnification"' in page and 'data-code="cap"' in page
    assert 'data-code="provision:accounting"' in page
    assert "proposed by the reader, not confirmed" in page
    assert "Each party indemnifies and defends the other" in page


@pytest.mark.django_db
def test_our_own_paper_has_no_comparison_panel(cast, login, vendor):
    ours = make_agreement(vendor, template_source=TemplateSource.PRACTICE)
    page = login(cast.alice).get(ours.get_absolute_url()).content.decode()
    assert 'id="comparison"' not in page


@pytest.mark.django_db
def test_the_negotiation_memo_is_one_page_with_each_difference(cast, login, vendor_paper):
    response = login(cast.charlie).get(f"/agreements/{vendor_paper.pk}/negotiation-memo.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Negotiation memo: BAA with ChartWell EHR" in text
    assert "2 differences" in text and "Each party indemnifies" in text
    assert "capped at 3 months' fees (about $6,000)" in text
    assert AuditEvent.objects.filter(action="exported", object_id=str(vendor_paper.pk)).exists()


@pytest.mark.django_db
def test_the_memo_is_404_elsewhere_and_asks_anonymous_to_sign_in(client, cast, login, vendor_paper):
    url = f"/agreements/{vendor_paper.pk}/negotiation-memo.pdf"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert login(cast.olivia).get(url).status_code == 404
