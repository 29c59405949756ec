"""The BAA reader's rules (reader/rules.py, reader/text.py), called directly on short texts."""

import pytest

from reader.rules import read
from reader.text import Document, negated, quantities, words_to_int

# A short, complete agreement; each test swaps in the clause it is about.
BODY = """
1. Permitted Uses. {ba} may use or disclose PHI only as necessary to perform the Services for {ce}.
2. Obligations of {ba}.
2.1 {ba} shall not use or disclose PHI other than as permitted or required by this Agreement.
2.2 {ba} shall use appropriate safeguards and comply with Subpart C of 45 CFR Part 164.
2.3 {ba} shall report to {ce} any use or disclosure of PHI not provided for by this Agreement. {notice}
2.4 {ba} shall ensure that any subcontractors that create or receive PHI on behalf of {ba} agree to the same restrictions and conditions.
2.5 {ba} shall make PHI available to {ce} as necessary to satisfy obligations under 45 CFR 164.524.
2.6 {ba} shall make amendments to PHI as directed by {ce} under 45 CFR 164.526.
2.7 {ba} shall provide the information required for an accounting of disclosures under 45 CFR 164.528.
2.8 To the extent {ba} carries out one or more of {ce}'s obligations under Subpart E of 45 CFR Part 164, {ba} shall comply with those requirements.
2.9 {ba} shall make its internal practices, books and records available to the Secretary.
3. Term. {ce} may terminate this Agreement if {ba} has violated a material term of this Agreement.
3.1 Upon termination, {ba} shall return or destroy all PHI received from, or created on behalf of, {ce}.
{extra}
"""
PREAMBLE = (
    'This Business Associate Agreement is entered into by {ce_name} ("{ce}") and {ba_name} '
    '("{ba}"), a business associate, regarding protected health information ("PHI").\n'
)


def baa(
    *,
    ce="Covered Entity",
    ba="Business Associate",
    ce_name="Valley Clinic, P.C.",
    ba_name="Acme Billing LLC",
    notice="",
    extra="",
):
    fill = dict(ce=ce, ba=ba, ce_name=ce_name, ba_name=ba_name, notice=notice, extra=extra)
    return PREAMBLE.format(**fill) + BODY.format(**fill)


# --- numbers and negation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, value",
    [
        ("ten", 10),
        ("forty-eight", 48),
        ("twenty four", 24),
        ("one hundred twenty", 120),
        ("30", 30),
    ],
)
def test_numbers_written_in_words(words, value):
    assert words_to_int(words) == value


def test_quantities_in_words_and_digits_agree():
    q = quantities(
        "within ten (10) business days, or thirty (30) days, or 72 hours, or 5 (five) days"
    )
    assert [(x.value, x.unit, x.kind) for x in q] == [
        (10, "days", "business"),
        (30, "days", "calendar"),
        (72, "hours", ""),
        (5, "days", "calendar"),
    ]


def test_negation_looks_back_within_the_clause():
    s = "Business Associate shall not be liable for lost profits; Covered Entity shall be liable."
    assert negated(s, s.index("liable"))
    assert not negated(s, s.rindex("liable"))
    s2 = "Nothing herein obligates Covered Entity to indemnify Business Associate."
    assert negated(s2, s2.index("indemnify"))


def test_sentences_carry_their_section_number_and_page():
    doc = Document("1. Terms\n4.1 The vendor shall report.\fPage two text.")
    assert [s.section for s in doc.sentences] == ["1", "4.1", "4.1"]
    assert doc.page(doc.sentences[-1].start) == 2


# --- parties ---------------------------------------------------------------------------------


def test_parties_with_the_statutory_labels():
    r = read(baa())
    assert r.parties.value["covered_entity"] == "Covered Entity"
    assert r.parties.value["business_associate"] == "Business Associate"
    assert r.is_baa


def test_parties_by_alias_customer_and_vendor_name():
    r = read(baa(ce="Customer", ba="Acme"))
    assert (r.parties.value["covered_entity"], r.parties.value["business_associate"]) == (
        "Customer",
        "Acme",
    )
    assert r.parties.excerpt  # the excerpt shows where the vendor's term is used


def test_inverted_labels_follow_what_each_party_does():
    # "Provider" is the vendor here, "Company" the practice: roles come from the duties.
    r = read(baa(ce="Company", ba="Provider"))
    assert r.parties.value["business_associate"] == "Provider"
    assert r.parties.value["covered_entity"] == "Company"


def test_subcontractor_baa_puts_the_upstream_business_associate_in_the_ce_slot():
    r = read(baa(ce="Business Associate", ba="Subcontractor"))
    assert r.parties.value["covered_entity"] == "Business Associate"
    assert r.parties.value["business_associate"] == "Subcontractor"
    assert r.parties.value["subcontractor_baa"] is True


# --- provisions ------------------------------------------------------------------------------


def test_all_twelve_provisions_found_with_excerpts():
    r = read(baa())
    assert all(p.value for p in r.provisions.values())
    assert "Secretary" in r.provisions["books_records"].excerpt
    assert r.provisions["books_records"].section == "2.9"


def test_a_missing_provision_is_not_found():
    text = baa().replace(
        "2.9 Business Associate shall make its internal practices, books and records available to the Secretary.\n",
        "",
    )
    r = read(text)
    assert r.provisions["books_records"].value is False
    assert r.provisions["books_records"].excerpt == ""


# --- breach notice ---------------------------------------------------------------------------


def test_breach_window_in_words_and_business_days():
    r = read(
        baa(
            notice="Business Associate shall notify Covered Entity of any Breach of Unsecured PHI "
            "within ten (10) business days after discovery."
        )
    )
    assert r.breach_notice.value["days"] == 10
    assert r.breach_notice.value["unit"] == "business"
    assert r.breach_notice.value["trigger"] == "discovery"
    assert "ten (10) business days" in r.breach_notice.excerpt


def test_breach_window_in_hours():
    r = read(
        baa(
            notice="Business Associate will report any Breach of Unsecured PHI to Covered Entity "
            "no later than seventy-two (72) hours after becoming aware of it."
        )
    )
    assert (r.breach_notice.value["days"], r.breach_notice.value["unit"]) == (72, "hours")
    assert r.breach_notice.value["trigger"] == "awareness"


def test_without_unreasonable_delay_alone_is_text_only():
    r = read(
        baa(
            notice="Business Associate shall report any Breach of Unsecured PHI without "
            "unreasonable delay."
        )
    )
    assert r.breach_notice.value == {
        "days": None,
        "unit": None,
        "text_only": True,
        "trigger": "",
    }


def test_a_cure_period_is_not_a_breach_notice_window():
    r = read(
        baa(
            extra="If the breach is not cured within thirty (30) days, Covered Entity may terminate."
        )
    )
    assert r.breach_notice.value["days"] is None


# --- indemnification -------------------------------------------------------------------------


def test_mutual_indemnity():
    r = read(
        baa(
            extra="Each party shall indemnify and hold harmless the other party from claims arising "
            "from its breach of this Agreement."
        )
    )
    assert r.indemnification.value == "mutual"


def test_vendor_indemnifies_the_practice_including_by_cost_reimbursement():
    r = read(
        baa(
            extra="Business Associate will reimburse Covered Entity for the costs of notifying "
            "individuals and credit monitoring after a Breach caused by Business Associate."
        )
    )
    assert r.indemnification.value == "ba_indemnifies_ce"
    assert {"notification", "credit_monitoring"} <= set(r.indemnity_covers.value)


def test_practice_favourable_wording_inverted():
    r = read(
        baa(
            extra="Covered Entity agrees to indemnify and hold Business Associate harmless from any "
            "fines or penalties."
        )
    )
    assert r.indemnification.value == "ce_indemnifies_ba"


def test_negated_indemnity_is_none():
    r = read(baa(extra="Nothing herein obligates Covered Entity to indemnify Business Associate."))
    assert r.indemnification.value == "none"


# --- liability cap ---------------------------------------------------------------------------


def test_cap_in_months_of_fees():
    r = read(
        baa(
            extra="Business Associate's aggregate liability under this Agreement shall not exceed the "
            "fees paid by Covered Entity in the twelve (12) months preceding the claim, except for "
            "liability arising from gross negligence, willful misconduct or fraud."
        )
    )
    assert r.liability_cap.value["type"] == "months_of_fees"
    assert r.liability_cap.value["months"] == 12
    assert set(r.carve_outs.value) == {"gross_negligence", "willful_misconduct", "fraud"}


def test_cap_as_a_multiple_of_fees():
    r = read(
        baa(
            extra="In no event shall either party's total liability exceed two (2) times the annual "
            "fees payable under the Services Agreement."
        )
    )
    assert r.liability_cap.value["type"] == "multiple_of_fees"
    assert r.liability_cap.value["multiple"] == 2


def test_fixed_amount_cap():
    r = read(
        baa(
            extra="Business Associate's liability is limited to $250,000, excluding intentional "
            "misrepresentation and violations of applicable law."
        )
    )
    assert r.liability_cap.value["type"] == "fixed_amount"
    assert r.liability_cap.value["amount"] == 250000
    assert set(r.carve_outs.value) == {"misrepresentation", "violation_of_law"}


def test_cap_by_reference_to_the_main_agreement():
    r = read(
        baa(
            extra="Each party's liability under this BAA is subject to the limitations of liability "
            "set forth in the Master Services Agreement."
        )
    )
    assert r.liability_cap.value["type"] == "other"
    assert "Master Services Agreement" in r.liability_cap.excerpt


def test_no_cap():
    assert read(baa()).liability_cap.value["type"] == "none_found"


# --- renewal, own use, dates, precedence, not a BAA ------------------------------------------


def test_auto_renewal_and_its_notice():
    r = read(
        baa(
            extra="This Agreement shall automatically renew for successive one-year terms unless "
            "either party gives notice of non-renewal at least sixty (60) days before the end of "
            "the then-current term."
        )
    )
    assert r.auto_renewal.value == {"renews": True, "notice_days": 60}


def test_renewal_negated():
    r = read(baa(extra="This Agreement shall not automatically renew."))
    assert r.auto_renewal.value["renews"] is False


def test_own_use_rights_and_their_negation():
    allowed = read(
        baa(
            extra="Business Associate may de-identify PHI and use de-identified data to train models."
        )
    )
    assert set(allowed.own_use.value) == {"de_identification", "model_training"}
    forbidden = read(baa(extra="Business Associate shall not de-identify or aggregate PHI."))
    assert forbidden.own_use.value == []


def test_dates_and_precedence():
    r = read(
        baa(
            extra="This Agreement is effective as of March 1, 2012. In the event of any conflict "
            "between this Agreement and the Services Agreement, this Agreement shall control."
        )
    )
    assert r.dates.value["effective_on"] == "2012-03-01"
    assert r.precedence.value is True


def test_a_privacy_policy_is_not_a_baa():
    text = (
        "Privacy Policy. We collect your name and email address when you sign up. We use cookies "
        "to improve the website. We do not sell your personal information. Contact us with "
        "questions about this policy."
    )
    r = read(text)
    assert not r.is_baa
    assert r.problems == ["not_a_baa"]


def test_the_breach_window_is_the_first_figure_after_the_breach():
    r = read(
        baa(
            notice="Business Associate shall report Security Incidents within five (5) days and any "
            "Breach of Unsecured PHI within thirty (30) days after discovery."
        )
    )
    assert (r.breach_notice.value["days"], r.breach_notice.value["unit"]) == (30, "calendar")


def test_a_cap_of_the_fees_of_the_preceding_year_is_twelve_months():
    r = read(
        baa(
            extra="Business Associate's total liability shall not exceed the fees paid by Covered "
            "Entity in the preceding year."
        )
    )
    assert (r.liability_cap.value["type"], r.liability_cap.value["months"]) == (
        "months_of_fees",
        12,
    )


def test_a_multiple_of_a_years_fees_stays_a_multiple():
    r = read(
        baa(
            extra="Business Associate's liability shall not exceed three (3) times the fees paid "
            "under the Services Agreement in the preceding year."
        )
    )
    assert (r.liability_cap.value["type"], r.liability_cap.value["multiple"]) == (
        "multiple_of_fees",
        3,
    )
