"""The practice's BAA template: one clause per required provision of 164.504(e)/164.314(a),
with its cite, for every combination of positions; position clauses appear and disappear with
them; the DOCX and PDF carry every clause (read back with python-docx and pypdf)."""

import io
import itertools
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from docx import Document as Docx
from pypdf import PdfReader

from baas.choices import CapKind, DayKind, Indemnification, NoticeTrigger, ReturnDestroy
from baas.provisions import PROVISIONS
from generator import render, template
from generator.choices import Flowdown
from generator.positions import DEFAULTS

D = DEFAULTS

# Every value of each position that changes the clauses.
AXES = {
    "indemnification": [
        Indemnification.MUTUAL,
        Indemnification.PRACTICE_FAVOURABLE,
        Indemnification.NONE,
    ],
    "cap": [
        {"cap_kind": CapKind.NONE},
        {"cap_kind": CapKind.FIXED, "cap_amount": Decimal("2000000")},
        {"cap_kind": CapKind.FEES_MONTHS, "cap_months": 24},
        {"cap_kind": CapKind.FEES_MONTHS, "cap_months": 12, "carve_outs": ()},
    ],
    "subcontractor_flowdown": list(Flowdown.values),
    "offshore_restricted": [True, False],
    "audit_rights": [True, False],
    "insurance_amount": [Decimal("1000000"), None],
    "return_destroy": [ReturnDestroy.RETURN, ReturnDestroy.DESTROY, ReturnDestroy.EITHER],
    "breach_notice_trigger": [NoticeTrigger.DISCOVERY, NoticeTrigger.LATER],
}


def build(**choice):
    values = {}
    for name, value in choice.items():
        values.update(value if isinstance(value, dict) else {name: value})
    return replace(D, **values)


def every_combination():
    names = list(AXES)
    for combo in itertools.product(*AXES.values()):
        yield build(**dict(zip(names, combo, strict=True)))


def one_at_a_time():
    """The defaults, then each axis's other values one at a time (each changes a clause)."""
    yield D
    for name, values in AXES.items():
        for value in values[1:]:
            yield build(**{name: value})


def expected_keys(p) -> set[str]:
    keys = {pr.key for pr in PROVISIONS} | {"definitions", "cap", "miscellaneous"}
    if p.indemnification != Indemnification.NONE:
        keys.add("indemnification")
    if p.cap_kind != CapKind.NONE and p.carve_outs:
        keys.add("carve_outs")
    if p.offshore_restricted:
        keys.add("offshore")
    if p.audit_rights:
        keys.add("audit")
    if p.insurance_amount:
        keys.add("insurance")
    return keys


def test_every_combination_has_each_provision_once_and_the_clauses_of_its_positions():
    seen = 0
    for p in every_combination():
        doc = template.clauses("Riverside Family Medicine", "ChartWell EHR", p)
        provisions = [c.provision for c in doc.clauses if c.provision]
        assert sorted(provisions) == sorted(pr.key for pr in PROVISIONS)
        for clause in doc.clauses:
            if clause.provision:
                cite = next(pr.cite for pr in PROVISIONS if pr.key == clause.provision)
                assert f"45 CFR {cite}" in clause.note
        assert {c.key for c in doc.clauses} == expected_keys(p), p
        seen += 1
    assert seen == 3 * 4 * 3 * 2 * 2 * 2 * 3 * 2


def test_position_wording():
    p = replace(D, breach_notice_days=3, breach_notice_day_kind=DayKind.CALENDAR)
    doc = template.clauses("Riverside", "ChartWell", p)
    text = {c.key: c.text for c in doc.clauses}
    assert "within 3 calendar days of discovery" in text["report_incidents"]
    assert "Each party indemnifies" in text["indemnification"]
    assert "No limitation" in text["cap"]
    assert "within 30 days" in text["return_destroy"]
    assert "principal place of business" in text["miscellaneous"]
    fees = template.clauses("R", "C", replace(D, cap_kind=CapKind.FEES_MONTHS, cap_months=24))
    text = {c.key: c.text for c in fees.clauses}
    assert "24 months" in text["cap"]
    assert "gross negligence" in text["carve_outs"]
    law = template.clauses("R", "C", replace(D, governing_law="Ohio"))
    assert "State of Ohio" in law.clauses[-1].text


def flat(text: str) -> str:
    """Without whitespace: the PDF's text layer breaks lines inside words and cites."""
    return "".join(text.split())


def check(doc, text: str):
    text = flat(text)
    assert flat("Riverside Family Medicine") in text and flat("ChartWell EHR") in text
    for number, clause in enumerate(doc.clauses, start=1):
        assert flat(f"{number}. {clause.heading}") in text
        assert flat(clause.text) in text
        assert flat(f"Drafting note: {clause.note}") in text


@pytest.mark.parametrize("p", list(one_at_a_time()), ids=lambda p: str(id(p))[-4:])
def test_docx_and_pdf_carry_every_clause(p):
    doc = template.clauses("Riverside Family Medicine", "ChartWell EHR", p)
    docx = Docx(io.BytesIO(render.to_docx(doc)))
    check(doc, "\n".join(par.text for par in docx.paragraphs))
    pdf = PdfReader(io.BytesIO(render.to_pdf(doc)))
    pages = [page.extract_text() for page in pdf.pages]
    assert f"Page 1 of {len(pages)}" in pages[0]
    # The page footers sit between the lines of a clause that runs over a page.
    check(doc, "\n".join(re.sub(r"Page \d+ of \d+", "", text) for text in pages))


# The findings an agreement on our own paper can have come only from the positions that are
# themselves red flags (``baas/findings.py``); every other position leaves none.
OWN_FLAGS = {
    ("indemnification", Indemnification.NONE): {"indemnification_none"},
    ("cap", 1): {"cap_not_valued"},  # a cap needs the records held to be compared
    ("cap", 2): {"cap_not_valued"},
    ("cap", 3): {"cap_not_valued", "carve_outs_missing"},
    ("audit_rights", False): {"no_audit_rights"},
    ("offshore_restricted", False): {"offshore_unrestricted"},  # the vendor works offshore
    ("insurance_amount", None): {"fines_without_insurance"},  # fines are indemnified
    ("breach_notice_trigger", NoticeTrigger.LATER): {"breach_notice_clock_late"},
}


def test_findings_on_our_paper_come_only_from_positions_that_are_red_flags():
    from dataclasses import fields
    from datetime import date

    from baas import findings
    from generator.positions import agreement_terms

    names = {f.name for f in fields(findings.AgreementFacts)}
    vendor = findings.VendorFacts(
        name="ChartWell EHR", status="active", needs_baa=True, offshore=True, tier="high"
    )
    today = date.today()

    def codes(p):
        terms = {k: v for k, v in agreement_terms(p).items() if k in names}
        for k in ("indemnification_covers", "carve_outs"):
            terms[k] = tuple(terms[k])
        facts = findings.AgreementFacts(
            **terms, provisions={pr.key: "present" for pr in PROVISIONS}
        )
        found = findings.agreement_findings(facts, vendor, findings.PracticeFacts(), today, 90)
        return {f.code for f in found}

    assert codes(D) == set()
    for name, values in AXES.items():
        for index, value in enumerate(values[1:], start=1):
            key = (name, index) if name == "cap" else (name, value)
            assert codes(build(**{name: value})) == OWN_FLAGS.get(key, set()), key
