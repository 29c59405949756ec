"""Write the reader's own labelled corpus (issue 14): agreements in varied wording, with labels in
the schema of shared/baa-corpus. Run from the repository root to regenerate:

    .venv/bin/python tests/reader_corpus/make_corpus.py

Each agreement is composed from clause wordings written for this corpus (several per clause),
numbering styles and party labels, chosen per document by a fixed seed; its label is what the
composition put in. It covers what the real development set lacks: months-of-fees and multiple
caps, fraud and misrepresentation carve-outs, auto-renewal, pre-2013 agreements missing
provisions, practice-favourable indemnity, inverted role labels, subcontractor BAAs, unusual
numbering; a few are written as text PDFs, one as DOCX, three as scanned image-only PDFs.

Entries 37 and up are written by hand (not by this script, which keeps them): clauses of the
development set paraphrased in new ways (a week as the window, "hrs", costs paid as indemnity,
"in no event exceed", a multiple of the fees of twelve months, carve-outs before the cap,
renewal by extension "unless", lettered or "§" clauses, two-word role terms), to check that the
rules read wording they were not written from.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

# (covered-entity term, business-associate term, CE legal name, BA legal name, subcontractor?)
PARTIES = [
    (
        "Covered Entity",
        "Business Associate",
        "Lakeside Pediatrics, P.A.",
        "Northwind Billing LLC",
        False,
    ),
    ("Customer", "Medscribe", "Harbor Dental Group", "Medscribe Inc.", False),
    ("Practice", "Company", "Cedar Family Practice", "Bluepeak Cloud Backup Inc.", False),
    ("Client", "Contractor", "Summit Orthopedics", "Ironclad IT Services LLC", False),
    ("Provider", "Company", "Riverbend Health Partners", "Clarity Transcription Corp.", False),
    ("Company", "Provider", "Westfield Surgical Company", "Apex Telehealth Services", False),
    (
        "Business Associate",
        "Subcontractor",
        "Pinnacle Revenue Cycle LLC",
        "DataVault Hosting Inc.",
        True,
    ),
    ("CE", "BA", "Oak Street Clinic", "SecureFax Solutions LLC", False),
    ("Hospital", "Vendor", "Mercy Valley Hospital", "ShredRight Document Services", False),
    (
        "Group",
        "Consultant",
        "Coastal Cardiology Group",
        "Meridian Compliance Consulting LLC",
        False,
    ),
]

NUMBERING = ["dotted", "section", "article", "decimal", "roman", "plain"]
NUMBER_WORDS = {
    1: "one", 2: "two", 3: "three", 5: "five", 6: "six", 7: "seven", 10: "ten", 12: "twelve",
    14: "fourteen", 15: "fifteen", 20: "twenty", 24: "twenty-four", 30: "thirty", 45: "forty-five",
    48: "forty-eight", 60: "sixty", 72: "seventy-two", 90: "ninety",
}  # fmt: skip
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV"]


def nw(n: int, style: int) -> str:
    return [f"{NUMBER_WORDS[n]} ({n})", f"{n}", f"{n} ({NUMBER_WORDS[n]})"][style % 3]


PROVISIONS = {
    "permitted_uses": [
        "{ba} may use or disclose PHI only as necessary to perform the services described in the Services Agreement on behalf of {ce}, provided that such use or disclosure would not violate the Privacy Rule if done by {ce}.",
        "Except as otherwise limited in this Agreement, {ba} is permitted to use and disclose Protected Health Information to perform functions, activities, or services for, or on behalf of, {ce}.",
        "Permitted Uses and Disclosures. {ba} may access and use PHI solely to provide the Services to {ce} and for its proper management and administration.",
    ],
    "no_other_use": [
        "{ba} shall not use or further disclose PHI other than as permitted or required by this Agreement or as required by law.",
        "{ba} agrees that it will use or disclose PHI only as permitted by this Agreement and will never sell PHI.",
        "{ba} is prohibited from using or disclosing PHI in any manner not authorized by this Agreement or required by law.",
    ],
    "safeguards": [
        "{ba} shall use appropriate administrative, physical and technical safeguards, and comply with Subpart C of 45 CFR Part 164 with respect to electronic PHI, to prevent use or disclosure of PHI other than as provided for by this Agreement.",
        "{ba} will implement reasonable safeguards that protect the confidentiality, integrity and availability of the PHI it holds, as required by the Security Rule.",
    ],
    "report_incidents": [
        "{ba} shall report to {ce} any use or disclosure of PHI not provided for by this Agreement of which it becomes aware, including any Security Incident.",
        "{ba} will promptly notify {ce} of any unauthorized use or disclosure of PHI and of any Security Incident of which it becomes aware.",
        "Any use or disclosure of PHI not permitted by this Agreement shall be reported by {ba} to {ce} in writing.",
    ],
    "subcontractors": [
        "{ba} shall ensure that any subcontractors that create, receive, maintain or transmit PHI on behalf of {ba} agree in writing to the same restrictions, conditions and requirements that apply to {ba}.",
        "Before any subcontractor of {ba} receives PHI, {ba} will bind that subcontractor by a written agreement containing terms at least as protective as these.",
    ],
    "access": [
        "{ba} shall make PHI in a Designated Record Set available to {ce} as necessary for {ce} to meet its obligations under 45 CFR 164.524.",
        "Within {n10} business days of a request, {ba} will give {ce} access to the PHI it maintains so that {ce} can respond to an individual's request for access.",
    ],
    "amendment": [
        "{ba} shall make any amendment to PHI in a Designated Record Set that {ce} directs pursuant to 45 CFR 164.526.",
        "{ba} will incorporate any amendments to PHI that {ce} requests.",
    ],
    "accounting": [
        "{ba} shall document disclosures of PHI and provide to {ce} the information required for an accounting of disclosures under 45 CFR 164.528.",
        "{ba} will maintain the information needed for {ce} to provide an accounting of disclosures to an individual.",
    ],
    "ce_obligations": [
        "To the extent {ba} carries out one or more of {ce}'s obligations under Subpart E of 45 CFR Part 164, {ba} shall comply with the requirements of Subpart E that apply to {ce} in the performance of such obligations.",
        "Where {ba} is to carry out an obligation of {ce} under the Privacy Rule, {ba} will comply with the Privacy Rule requirements that apply to that obligation.",
    ],
    "books_records": [
        "{ba} shall make its internal practices, books, and records available to the Secretary for purposes of determining compliance with the HIPAA Rules.",
        "{ba} will make its books and records relating to PHI available to the Secretary of Health and Human Services on request.",
    ],
    "return_destroy": [
        "Upon termination of this Agreement, {ba} shall return or destroy all PHI received from, or created or received by {ba} on behalf of, {ce}; if return or destruction is infeasible, {ba} shall extend the protections of this Agreement to such PHI.",
        "At the end of the engagement {ba} will destroy all PHI or, at {ce}'s election, return it, and will certify the destruction in writing.",
    ],
    "termination": [
        "{ce} may terminate this Agreement if {ce} determines that {ba} has violated a material term of this Agreement and {ba} has not cured the breach within {n30} days.",
        "Upon {ce}'s knowledge of a material breach of this Agreement by {ba}, {ce} may immediately terminate this Agreement.",
        "Either party may terminate this Agreement upon written notice if the other party materially breaches it and fails to cure within {n30} days.",
    ],
}
HEADINGS = {
    "permitted_uses": "Permitted Uses and Disclosures",
    "no_other_use": "Limits on Use",
    "safeguards": "Safeguards",
    "report_incidents": "Reporting",
    "subcontractors": "Subcontractors",
    "access": "Access to PHI",
    "amendment": "Amendment of PHI",
    "accounting": "Accounting of Disclosures",
    "ce_obligations": "Obligations of the Covered Party",
    "books_records": "Books and Records",
    "return_destroy": "Return or Destruction",
    "termination": "Termination for Cause",
    "breach": "Breach Notification",
    "indemnity": "Indemnification",
    "cap": "Limitation of Liability",
    "term": "Term",
    "misc": "Miscellaneous",
}

BREACH = {
    ("calendar", None): [
        "{ba} shall notify {ce} of any Breach of Unsecured PHI without unreasonable delay and in no case later than {n} calendar days after discovery of the Breach.",
        "Following the discovery of a Breach of Unsecured Protected Health Information, {ba} will notify {ce} within {n} days.",
    ],
    ("business", None): [
        "{ba} shall report any Breach of Unsecured PHI to {ce} within {n} business days after {ba} discovers it.",
    ],
    ("hours", None): [
        "{ba} shall notify {ce} of any Breach of Unsecured PHI within {n} hours of discovery.",
        "Upon discovery of a Breach of Unsecured PHI, {ba} will notify {ce} no later than {n} hours thereafter.",
    ],
    ("text", None): [
        "{ba} shall notify {ce} of any Breach of Unsecured PHI without unreasonable delay after discovery, as required by 45 CFR 164.410.",
    ],
}

INDEMNITY = {
    "mutual": [
        "Each party shall indemnify, defend and hold harmless the other party from and against any claims, losses, fines and reasonable attorneys' fees arising from its breach of this Agreement.",
        "{ba} shall indemnify and hold harmless {ce} from any losses caused by {ba}'s breach of this Agreement. {ce} shall indemnify and hold harmless {ba} from any losses caused by {ce}'s breach of this Agreement.",
    ],
    "ba_indemnifies_ce": [
        "{ba} agrees to indemnify, defend and hold harmless {ce} and its employees from all claims, damages, penalties and costs arising out of any breach of this Agreement by {ba}.",
        "{ba} shall reimburse {ce} for the reasonable costs of notifying affected individuals and of credit monitoring incurred as a result of a Breach caused by {ba}.",
    ],
    "ce_indemnifies_ba": [
        "{ce} shall indemnify and hold harmless {ba} from and against any claims, fines or penalties arising from {ce}'s instructions or its own violation of the HIPAA Rules.",
    ],
    "none": [
        "",
        "Neither party shall be obligated to indemnify the other under this Agreement.",
    ],
}

CAP = {
    "months_of_fees": [
        "{ba}'s total liability arising out of or relating to this Agreement shall not exceed the fees paid by {ce} to {ba} during the {m} months immediately preceding the event giving rise to the claim.",
        "In no event will either party's aggregate liability under this Agreement exceed an amount equal to the fees paid or payable in the {m} months prior to the claim.",
    ],
    "multiple_of_fees": [
        "{ba}'s maximum liability under this Agreement shall not exceed {x} times the annual fees paid under the Services Agreement.",
    ],
    "fixed_amount": [
        "{ba}'s aggregate liability under this Agreement shall not exceed {amount_words}.",
        "The liability of {ba} under this Agreement is limited to {amount_words}.",
    ],
    "other": [
        "Each party's liability under this Agreement is subject to the limitations of liability set forth in the Services Agreement.",
        "The limitation of liability in the Master Agreement applies to this Agreement.",
    ],
    "none_found": [""],
}
CARVE_PHRASES = {
    "gross_negligence": "gross negligence",
    "willful_misconduct": "willful misconduct",
    "fraud": "fraud",
    "misrepresentation": "intentional misrepresentation",
    "violation_of_law": "violations of applicable law",
    "indemnification": "a party's indemnification obligations",
    "confidentiality_breach": "breaches of confidentiality of PHI",
}
CARVE_INTROS = [
    "The foregoing limitation shall not apply to liability arising from {list}.",
    "This limitation does not apply in cases of {list}.",
]

RENEW = {
    True: [
        "This Agreement shall have an initial term of one (1) year and shall automatically renew for successive one-year terms unless either party gives written notice of non-renewal at least {n} days before the end of the then-current term.",
        "The term renews automatically for additional twelve-month periods unless a party gives notice of non-renewal at least {n} days prior to expiration.",
    ],
    False: [
        "This Agreement takes effect on the Effective Date and remains in effect for so long as {ba} maintains PHI on behalf of {ce}.",
        "This Agreement ends when the Services Agreement ends.",
    ],
}
FILLER = [
    "Capitalized terms used but not defined in this Agreement have the meanings given in 45 CFR Parts 160 and 164.",
    "This Agreement shall be interpreted to permit compliance with the HIPAA Rules.",
    "No third party is a beneficiary of this Agreement.",
    "The parties agree to amend this Agreement as needed to comply with changes in the law.",
    "Notices under this Agreement shall be given in writing to the addresses stated in the Services Agreement.",
]


def heading(style: str, i: int, title: str) -> str:
    if style == "dotted":
        return f"{i}. {title}"
    if style == "section":
        return f"Section {i}. {title}"
    if style == "article":
        return f"ARTICLE {ROMAN[i - 1]} - {title.upper()}"
    if style == "decimal":
        return f"{i}.01 {title}"
    if style == "roman":
        return f"{ROMAN[i - 1]}. {title}"
    return title.upper()


def compose(index: int, spec: dict, rng: random.Random) -> tuple[str, dict]:
    ce, ba, ce_name, ba_name, sub = PARTIES[spec["parties"]]
    f = {"ce": ce, "ba": ba, "n10": nw(10, index), "n30": nw(30, index)}
    style = NUMBERING[index % len(NUMBERING)]
    kind = "Subcontractor Business Associate Agreement" if sub else "Business Associate Agreement"
    year = spec.get("year", 2019 + index % 6)
    lines = [
        kind.upper(),
        "",
        f'This {kind} (the "Agreement") is entered into as of March {1 + index % 27}, {year} (the '
        f'"Effective Date") by and between {ce_name} ("{ce}") and {ba_name} ("{ba}").',
    ]
    if sub:
        lines.append(
            f"{ce} is a business associate of one or more covered entities, and {ba} provides "
            f'hosting services to {ce} that involve protected health information ("PHI").'
        )
    else:
        lines.append(
            f"{ce} is a covered entity under HIPAA, and {ba} is its business associate that "
            f'receives protected health information ("PHI") in providing services to {ce}.'
        )
    sections: list[tuple[str, list[str]]] = []
    present = {k: k not in spec.get("missing", ()) for k in PROVISIONS}
    body_keys = [k for k in PROVISIONS if present[k] and k not in ("termination", "return_destroy")]
    per = [body_keys[i : i + 4] for i in range(0, len(body_keys), 4)]
    for group in per:
        paras = [rng.choice(PROVISIONS[k]).format(**f) for k in group]
        sections.append((HEADINGS[group[0]], paras))
    b = spec["breach"]
    if b:
        unit, n = b
        wording = rng.choice(BREACH[(unit if unit != "text" else "text", None)])
        sections.append(
            (HEADINGS["breach"], [wording.format(n=nw(n, index) if unit != "text" else "", **f)])
        )
    ind = rng.choice(INDEMNITY[spec["indemnity"]]).format(**f)
    cap_t = spec["cap"]
    cap_p = rng.choice(CAP[cap_t[0]]).format(
        m=nw(cap_t[1], index) if cap_t[0] == "months_of_fees" else "",
        x=nw(cap_t[1], index) if cap_t[0] == "multiple_of_fees" else "",
        amount_words=cap_t[2] if cap_t[0] == "fixed_amount" else "",
        **f,
    )
    carve = spec.get("carve", [])
    if carve and cap_p:
        names = [CARVE_PHRASES[c] for c in carve]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        cap_p = cap_p + " " + rng.choice(CARVE_INTROS).format(list=listed)
    if ind:
        sections.append((HEADINGS["indemnity"], [ind]))
    if cap_p:
        sections.append((HEADINGS["cap"], [cap_p]))
    term = [rng.choice(RENEW[spec["renew"]]).format(n=nw(spec.get("notice", 30), index), **f)]
    for k in ("termination", "return_destroy"):
        if present[k]:
            term.append(rng.choice(PROVISIONS[k]).format(**f))
    sections.append((HEADINGS["term"], term))
    sections.append((HEADINGS["misc"], rng.sample(FILLER, 3)))
    for i, (title, paras) in enumerate(sections, start=1):
        lines += ["", heading(style, i, title)]
        for j, p in enumerate(paras, start=1):
            if style in ("dotted", "section"):
                lines.append(f"{i}.{j} {p}")
            elif style == "decimal":
                lines.append(f"{i}.{j:02d} {p}")
            elif style == "roman":
                lines.append(f"({chr(96 + j)}) {p}")
            else:
                lines.append(p)
    lines += [
        "",
        "IN WITNESS WHEREOF, the parties have signed this Agreement as of the Effective Date.",
        f"{ce_name}    By: ____________    {ba_name}    By: ____________",
    ]
    unit_map = {"calendar": "calendar", "business": "business", "hours": "hours"}
    label = {
        "source": {"generated_by": "tests/reader_corpus/make_corpus.py", "seed": index},
        "party_terms": {"covered_entity": ce, "business_associate": ba},
        "provisions": present,
        "indemnification": spec["indemnity"],
        "liability_cap": {
            "type": cap_t[0],
            "months": cap_t[1] if cap_t[0] == "months_of_fees" else None,
            "amount": cap_t[3] if cap_t[0] == "fixed_amount" else None,
        },
        "carve_outs": list(carve) if cap_p else [],
        "breach_notice": {
            "days": b[1] if b and b[0] != "text" else None,
            "unit": unit_map[b[0]] if b and b[0] != "text" else None,
            "text_only": bool(b and b[0] == "text"),
            "other_windows": [],
        },
        "auto_renewal": spec["renew"],
        "notes": spec.get("note", ""),
    }
    return "\n".join(lines) + "\n", label


PRE_2013 = ("subcontractors", "ce_obligations")
SPECS = [
    dict(
        parties=0,
        breach=("calendar", 30),
        indemnity="mutual",
        cap=("months_of_fees", 12),
        carve=["gross_negligence", "willful_misconduct"],
        renew=False,
    ),
    dict(parties=1, breach=("hours", 72), indemnity="none", cap=("other",), renew=True, notice=60),
    dict(
        parties=2,
        breach=("business", 5),
        indemnity="ba_indemnifies_ce",
        cap=("fixed_amount", None, "One Million Dollars ($1,000,000)", 1000000),
        carve=["fraud", "misrepresentation"],
        renew=False,
    ),
    dict(
        parties=3,
        breach=("calendar", 10),
        indemnity="ce_indemnifies_ba",
        cap=("months_of_fees", 6),
        renew=True,
        notice=90,
    ),
    dict(
        parties=4,
        breach=("hours", 48),
        indemnity="mutual",
        cap=("multiple_of_fees", 2),
        carve=["violation_of_law"],
        renew=False,
        note="inverted labels: Provider is the covered entity",
    ),
    dict(
        parties=5,
        breach=("calendar", 15),
        indemnity="ba_indemnifies_ce",
        cap=("none_found",),
        renew=True,
        notice=30,
        note="inverted labels: Provider is the vendor",
    ),
    dict(
        parties=6,
        breach=("business", 3),
        indemnity="none",
        cap=("fixed_amount", None, "$250,000", 250000),
        carve=["gross_negligence", "fraud"],
        renew=False,
        note="subcontractor BAA",
    ),
    dict(parties=7, breach=("text", None), indemnity="none", cap=("none_found",), renew=False),
    dict(
        parties=8,
        breach=None,
        indemnity="none",
        cap=("none_found",),
        renew=False,
        year=2009,
        missing=PRE_2013,
        note="pre-2013: no breach notice, no subcontractor or CE-obligation clauses",
    ),
    dict(
        parties=9,
        breach=("calendar", 60),
        indemnity="mutual",
        cap=("months_of_fees", 3),
        carve=["indemnification", "confidentiality_breach"],
        renew=True,
        notice=45,
    ),
    dict(
        parties=0,
        breach=("calendar", 5),
        indemnity="ba_indemnifies_ce",
        cap=("none_found",),
        renew=False,
    ),
    dict(
        parties=1,
        breach=("calendar", 20),
        indemnity="mutual",
        cap=("fixed_amount", None, "$2,000,000", 2000000),
        carve=["willful_misconduct", "fraud", "misrepresentation"],
        renew=True,
        notice=30,
    ),
    dict(
        parties=2,
        breach=None,
        indemnity="none",
        cap=("none_found",),
        renew=True,
        notice=60,
        year=2011,
        missing=PRE_2013 + ("accounting",),
        note="pre-2013",
    ),
    dict(
        parties=3,
        breach=("hours", 24),
        indemnity="ba_indemnifies_ce",
        cap=("multiple_of_fees", 3),
        carve=["gross_negligence"],
        renew=False,
    ),
    dict(
        parties=4,
        breach=("business", 10),
        indemnity="ce_indemnifies_ba",
        cap=("other",),
        renew=False,
    ),
    dict(
        parties=5,
        breach=("text", None),
        indemnity="mutual",
        cap=("months_of_fees", 24),
        carve=["fraud"],
        renew=False,
    ),
    dict(
        parties=6,
        breach=("calendar", 30),
        indemnity="ba_indemnifies_ce",
        cap=("none_found",),
        renew=True,
        notice=30,
    ),
    dict(
        parties=7,
        breach=("hours", 72),
        indemnity="none",
        cap=("months_of_fees", 12),
        carve=["gross_negligence", "willful_misconduct", "fraud"],
        renew=False,
    ),
    dict(
        parties=8,
        breach=("calendar", 14),
        indemnity="mutual",
        cap=("none_found",),
        renew=False,
        missing=("books_records",),
    ),
    dict(
        parties=9, breach=("business", 7), indemnity="none", cap=("other",), renew=True, notice=90
    ),
    dict(
        parties=0,
        breach=None,
        indemnity="ba_indemnifies_ce",
        cap=("none_found",),
        renew=False,
        year=2008,
        missing=PRE_2013 + ("safeguards",),
        note="pre-2013",
    ),
    dict(
        parties=1,
        breach=("calendar", 45),
        indemnity="ce_indemnifies_ba",
        cap=("fixed_amount", None, "$100,000", 100000),
        carve=["violation_of_law"],
        renew=False,
    ),
    dict(
        parties=2,
        breach=("hours", 24),
        indemnity="mutual",
        cap=("months_of_fees", 12),
        carve=["misrepresentation"],
        renew=True,
        notice=30,
    ),
    dict(
        parties=3,
        breach=("calendar", 30),
        indemnity="none",
        cap=("none_found",),
        renew=False,
        missing=("termination",),
    ),
    dict(
        parties=4,
        breach=("text", None),
        indemnity="ba_indemnifies_ce",
        cap=("other",),
        renew=True,
        notice=60,
    ),
    dict(
        parties=5,
        breach=("business", 5),
        indemnity="none",
        cap=("multiple_of_fees", 2),
        renew=False,
    ),
    dict(parties=6, breach=("hours", 48), indemnity="mutual", cap=("none_found",), renew=False),
    dict(
        parties=7,
        breach=("calendar", 60),
        indemnity="ce_indemnifies_ba",
        cap=("months_of_fees", 6),
        carve=["willful_misconduct"],
        renew=True,
        notice=30,
    ),
    dict(
        parties=8,
        breach=("calendar", 30),
        indemnity="ba_indemnifies_ce",
        cap=("fixed_amount", None, "$500,000", 500000),
        carve=["gross_negligence", "willful_misconduct", "fraud", "misrepresentation"],
        renew=False,
    ),
    dict(
        parties=9,
        breach=None,
        indemnity="none",
        cap=("none_found",),
        renew=False,
        year=2012,
        missing=PRE_2013 + ("report_incidents",),
        note="pre-2013",
    ),
    dict(parties=0, breach=("business", 2), indemnity="mutual", cap=("other",), renew=False),
    dict(
        parties=3,
        breach=("hours", 72),
        indemnity="ba_indemnifies_ce",
        cap=("months_of_fees", 12),
        carve=["fraud", "violation_of_law"],
        renew=True,
        notice=30,
    ),
    dict(parties=4, breach=("calendar", 30), indemnity="mutual", cap=("none_found",), renew=False),
    dict(
        parties=5,
        breach=("calendar", 10),
        indemnity="ba_indemnifies_ce",
        cap=("fixed_amount", None, "$1,000,000", 1000000),
        carve=["gross_negligence"],
        renew=True,
        notice=60,
    ),
    dict(
        parties=1, breach=("text", None), indemnity="none", cap=("months_of_fees", 12), renew=False
    ),
    dict(
        parties=2,
        breach=("calendar", 30),
        indemnity="ce_indemnifies_ba",
        cap=("none_found",),
        renew=False,
    ),
]
PDF = {3, 14, 25}  # text PDFs
DOCX = {9}
SCANNED = {5, 18, 30}  # image-only PDFs, with noise


def main() -> None:
    for old in HERE.glob("[0-9][0-9]-*"):
        if int(old.name[:2]) <= len(SPECS):  # 37 and up are written by hand: kept
            old.unlink()
    for index, spec in enumerate(SPECS, start=1):
        rng = random.Random(index)
        text, label = compose(index, spec, rng)
        name = f"{index:02d}-{PARTIES[spec['parties']][3].split()[0].lower()}"
        if index in PDF or index in SCANNED:
            from reader.samples import scanned_pdf, text_pdf

            pdf = text_pdf(text)
            if index in SCANNED:
                pdf = scanned_pdf(pdf, dpi=150, noise=0.004, seed=index)
                label["notes"] = (label["notes"] + "; scanned image-only PDF").lstrip("; ")
            (HERE / f"{name}.pdf").write_bytes(pdf)
        elif index in DOCX:
            from reader.samples import docx_bytes

            (HERE / f"{name}.docx").write_bytes(docx_bytes(text))
        else:
            (HERE / f"{name}.txt").write_text(text, encoding="utf-8")
        (HERE / f"{name}.json").write_text(json.dumps(label, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
