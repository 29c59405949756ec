"""The BAA reader's rules: explainable patterns over normalised text (``text.py``).

``read(text)`` returns a ``Reading``: one ``Proposal`` per term, each with the exact excerpt it
rests on, the page (when the text has pages), the section number and a confidence. Nothing here
touches the database or the network; the product decides what to do with a proposal
(``services.py``), and a person confirms it.

What is read, and the rule behind each (see shared/domain.md):

- parties: which defined term is the covered entity and which the business associate
  (45 CFR 160.103). Roles come from what the text makes each term do, not from its label:
  the term that "shall report / safeguard / return" PHI that it holds "on behalf of" the other
  is the business associate. So a subcontractor BAA (164.502(e)(1)(ii), 164.504(e)(5)), where
  the upstream "Business Associate" stands in the covered entity's place, and a text whose
  labels are inverted, still come out right.
- the twelve required provisions of 164.504(e)(2)-(e)(2)(iii) and 164.314(a)(2)
  (``baas.provisions``): present when a sentence states it and no negation governs it.
- indemnification: who promises to indemnify, hold harmless or reimburse costs
  (a cost-reimbursement duty counts as indemnity).
- liability cap: none found, months of fees, fixed amount, multiple of fees, or "other"
  (limited by reference to another agreement); with its figures and the carve-outs.
- breach-notice window: the period the BA has to report a Breach of Unsecured PHI
  (164.410(b): at most 60 calendar days after discovery); "without unreasonable delay"
  with no number is text only; the trigger (discovery, awareness).
- dates and term, auto-renewal and its notice; own-use rights (de-identification,
  aggregation, model training, beyond 164.504(e)(2)(i) and (e)(4)); precedence over the
  service agreement.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .text import NUMBER, NUMBER_WORDS, Document, Sentence, negated, quantities, words_to_int

# --- results ---------------------------------------------------------------------------------


@dataclass
class Proposal:
    """One proposed value with the evidence a person can check."""

    field: str
    value: Any
    excerpt: str = ""
    page: int | None = None
    section: str = ""
    confidence: float = 0.5

    def as_dict(self) -> dict:
        return {
            "field": self.field,
            "value": self.value,
            "excerpt": self.excerpt,
            "page": self.page,
            "section": self.section,
            "confidence": round(self.confidence, 2),
        }


@dataclass
class Reading:
    is_baa: bool
    parties: Proposal
    provisions: dict[str, Proposal]
    indemnification: Proposal
    indemnity_covers: Proposal
    liability_cap: Proposal
    carve_outs: Proposal
    breach_notice: Proposal
    other_windows: Proposal
    auto_renewal: Proposal
    dates: Proposal
    own_use: Proposal
    precedence: Proposal
    problems: list[str] = field(default_factory=list)

    def proposals(self) -> list[Proposal]:
        return [
            self.parties,
            *self.provisions.values(),
            self.indemnification,
            self.indemnity_covers,
            self.liability_cap,
            self.carve_outs,
            self.breach_notice,
            self.other_windows,
            self.auto_renewal,
            self.dates,
            self.own_use,
            self.precedence,
        ]


def _evidence(doc: Document, name: str, value: Any, s: Sentence | None, conf: float) -> Proposal:
    if s is None:
        return Proposal(name, value, confidence=conf)
    return Proposal(name, value, doc.excerpt(s), doc.page(s.start), s.section, conf)


# --- parties ---------------------------------------------------------------------------------

# Words contracts use for either side; which side each is on is decided by the text.
ROLE_WORDS = (
    "Covered Entity", "Business Associate", "Subcontractor", "Sub-BA", "Sub-Business Associate",
    "CE", "BA", "Customer", "Client", "Practice", "Provider", "Company", "Vendor", "Contractor",
    "Government", "Agency", "Licensee", "Licensor", "Supplier", "Consultant", "Plan", "Hospital",
    "Organization", "Group", "Facility", "Recipient", "Service Provider", "Partner",
)  # fmt: skip
_NOT_PARTIES = {
    "agreement", "baa", "phi", "ephi", "services", "service", "parties", "party", "effective date",
    "hipaa", "hitech", "secretary", "breach", "individual", "security incident", "term", "addendum",
    "privacy rule", "security rule", "hipaa rules", "protected information", "designated record set",
    "services agreement", "master agreement", "underlying agreement", "exhibit", "license",
    "platform", "data", "rules", "act", "regulations", "privacy regulations", "notice",
}  # fmt: skip

_SUBJECT_VERB = (
    r"(?:'s\s+\w+\s+)?(?:shall|will|agrees|must|may not|warrants|represents|acknowledges)"
)
_BA_DUTY = (
    r"(?:shall|will|agrees to|must)\s+(?:\w+\s+){0,4}?"
    r"(?:report|notify|safeguard|implement|use appropriate|return|destroy|not use|not disclose|"
    r"make (?:its |available)|ensure|maintain|document|provide (?:access|an accounting)|comply)"
)


def _term_re(term: str) -> str:
    return r"(?<![\w-])" + re.escape(term) + r"(?![\w-])"


def _candidates(doc: Document) -> Counter:
    text = doc.text
    found: Counter = Counter()
    for paren in re.finditer(r"\(([^()]{1,160})\)", text):
        inner = paren[1]
        quoted = re.findall(r'"([^"]{1,40})"', inner)
        if not quoted:
            bare = re.fullmatch(r"\s*(?:the\s+)?([A-Z][\w-]{2,30}(?: [A-Z][\w-]+)?)\s*", inner)
            quoted = [bare[1]] if bare else []
        for q in quoted:
            q = re.sub(r"^(?:the|The|THE)\s+", "", q.strip().strip(",."))
            if q and q.lower() not in _NOT_PARTIES:
                found[q] += 0
    for word in ROLE_WORDS:
        forms = Counter(m[0] for m in re.finditer(_term_re(word), text, re.I))
        if forms:
            surface, _ = forms.most_common(1)[0]
            if word.isupper() and surface != word:
                continue
            found[surface] += 0
    # a vendor's own name used as the subject of duties ("Langfuse will ...")
    for m in re.finditer(
        r"(?<![\w-])([A-Z][\w-]*[A-Za-z](?: [A-Z][\w-]+)?)\s+(?:shall|will|must|agrees)\b", text
    ):
        name = m[1]
        if name.lower() not in _NOT_PARTIES and not re.match(
            r"(?:The|This|Each|Either|Such|Any|No|Neither|All|It|We|You|They|If|Upon|Both)\b", name
        ):
            found[name] += 0
    for term in list(found):
        if re.search(r"agreement|addendum|exhibit|\bact\b|rules?\b|regulations?|terms", term, re.I):
            del found[term]
            continue
        found[term] = len(re.findall(_term_re(term), text))
    # "Provider" that only ever appears inside "Service Provider" is not a term of its own
    for short in list(found):
        if any(
            long != short and re.search(_term_re(short), long) and found[long] >= found[short]
            for long in found
        ):
            del found[short]
    return Counter({t: n for t, n in found.items() if n >= 3})


def _role_scores(text: str, term: str) -> tuple[float, float]:
    t = _term_re(term)
    ba = 0.0
    ce = 0.0
    ba += len(re.findall(t + r"\s+" + _SUBJECT_VERB, text)) * 0.25
    ba += len(re.findall(t + r"\s+" + _BA_DUTY, text, re.I)) * 2
    ba += len(re.findall(t + r"(?:'s)?\s+(?:employees|subcontractors|agents|workforce)", text))
    ba += len(re.findall(t + r"\s+(?:creates|receives|maintains|transmits|discovers)", text)) * 2
    # "The Business Associate agrees to:" followed by its list of duties
    for m in re.finditer(t + r"\s+(?:agrees\s+to|shall|will|must)\s*:\s*\n", text):
        for line in text[m.end() :].split("\n")[:25]:
            if not line.strip():
                continue
            if not re.match(r"\s*(?:[-*\u2022]|\(?[a-z0-9ivx]{1,4}[).])", line):
                break
            ba += 1
    ce += len(re.findall(r"on\s+behalf\s+of\s+(?:the\s+)?" + t, text, re.I)) * 3
    ce += len(re.findall(t + r"'s\s+(?:behalf|obligations?|PHI|patients|request)", text)) * 2
    ce += len(
        re.findall(
            r"(?:report|notify|notice|available|return|forward)\w*\s+(?:\w+\s+){0,8}?"
            r"(?:to|of)\s+(?:the\s+)?" + t,
            text,
            re.I,
        )
    )
    ce += len(
        re.findall(r"(?:request|direction|instruction)s?\s+(?:of|by|from)\s+(?:the\s+)?" + t, text)
    )
    ce += len(re.findall(r"(?:received|obtained)\s+from\s+(?:\w+\s+){0,3}?(?:the\s+)?" + t, text))
    ce += len(re.findall(r"(?:notify|inform|alert|indemnify)\s+(?:the\s+)?" + t, text, re.I)) * 2
    ce += len(re.findall(t + r"\s+may\s+(?:\w+\s+)?terminate", text)) * 2
    ce += (
        len(
            re.findall(
                r"as\s+(?:the\s+)?" + t + r"\s+(?:\w+\s+)?(?:directs|requests|instructs)", text
            )
        )
        * 2
    )
    return ba, ce


@dataclass
class Parties:
    covered_entity: str
    business_associate: str
    sides: dict[str, str]  # term -> "ce" | "ba"
    subcontractor_baa: bool
    confidence: float


def parties(doc: Document) -> Parties:
    """Which defined term plays the covered entity and which the business associate."""
    text = doc.text
    cands = _candidates(doc)
    scores = {t: _role_scores(text, t) for t in cands}
    sides = {t: ("ba" if b > c else "ce") for t, (b, c) in scores.items() if b or c}
    ranked_ba = sorted(
        (t for t in scores if scores[t][0] > 0),
        key=lambda t: scores[t][0] - scores[t][1],
        reverse=True,
    )
    ranked_ce = sorted(scores, key=lambda t: scores[t][1] - scores[t][0], reverse=True)
    ba = ranked_ba[0] if ranked_ba else ""
    ce = next((t for t in ranked_ce if t != ba), "")
    upstream = re.compile(r"business associate|\bBA\b|upstream", re.I)
    sub_baa = bool(ce and upstream.search(ce)) or bool(
        re.search(r"subcontractor business associate agreement|sub-?business associate", text, re.I)
    )
    margin = 0.0
    if ba and ce:
        b = scores[ba][0] - scores[ba][1]
        c = scores[ce][1] - scores[ce][0]
        margin = min(b, c)
    conf = 0.9 if margin >= 5 else 0.7 if margin >= 2 else 0.4
    return Parties(ce, ba, sides, sub_baa, conf)


def _contexts(doc: Document):
    """Each sentence with the text to read it in: a list item is read after the sentence that
    introduces it ("BA shall report to CE: a) any use ... not provided for")."""
    prev = ""
    for s in doc.sentences:
        text = f"{prev} {s.text}" if prev.endswith(":") else s.text
        if not prev.endswith(":") or not re.match(
            r"\s*(?:[-*\u2022]|\(?[a-z0-9ivx]{1,4}[).])", s.text
        ):
            prev = s.text
        yield s, text


def _first(doc: Document, pattern: str, flags=re.I, *, skip_negated=True) -> Sentence | None:
    rx = re.compile(pattern, flags)
    for s in doc.sentences:
        m = rx.search(s.text)
        if m and not (skip_negated and negated(s.text, m.start())):
            return s
    return None


# --- the twelve provisions -------------------------------------------------------------------

PHI = r"(?:PHI|ePHI|protected (?:health )?information|health information|information)"
PROVISION_PATTERNS: dict[str, list[str]] = {
    # 164.504(e)(2)(i)
    "permitted_uses": [
        r"permitted\s+(?:and|or)\s+required\s+uses",
        r"(?:may|is permitted to|are permitted to)\s+(?:\w+\s+){0,3}?(?:use|disclose|access)\b",
        r"\bpermitted\s+uses\b",
        r"(?:use|disclose|uses|discloses)\s+(?:\w+\s+){0,6}?(?:only\s+)?(?:as|to the extent)\s+"
        r"(?:necessary|needed|required)\s+(?:to|for)\s+(?:perform|provide|carry)",
    ],
    # 164.504(e)(2)(ii)(A)
    "no_other_use": [
        r"(?:not|never)\s+(?:\w+\s+){0,2}?(?:use|disclose|use or (?:further )?disclose)\s+"
        rf"(?:any\s+)?(?:{PHI}|it)?\s*(?:other than|except|in (?:a )?(?:manner|violation))",
        r"(?:not|never)\s+use\s+or\s+(?:further\s+)?disclose",
        r"other\s+than\s+as\s+permitted\s+or\s+required",
        r"only\s+as\s+(?:permitted|required|provided|allowed)\s+(?:or required\s+)?by\s+"
        r"(?:this|the)",
        r"use\s+or\s+disclose\s+(?:\w+\s+){0,4}?only\s+(?:as|to|for)",
        r"(?:prohibited|forbidden)\s+from\s+(?:using|disclosing)",
        r"not\s+(?:make\s+(?:any\s+)?)?(?:use|uses)\s+or\s+disclos",
        r"not\s+(?:be\s+)?used\s+or\s+(?:further\s+)?disclosed",
        r"(?:use|used)\s+(?:or|and)\s+(?:further\s+)?disclos\w*\s+(?:\w+\s+){0,6}?only\b",
    ],
    # 164.504(e)(2)(ii)(B); 164.314(a)(2)(i)(A)
    "safeguards": [
        r"\bsafeguards?\b",
        r"subpart\s+C\s+of\s+45",
        r"comply\s+with\s+(?:the\s+)?(?:HIPAA\s+)?Security\s+Rule",
    ],
    # 164.504(e)(2)(ii)(C)
    "report_incidents": [
        r"(?:report|notify|notice)\w*\s+[^.;]{0,200}?(?:use|uses|disclosure|disclosures)\s+"
        rf"(?:of\s+(?:the\s+)?{PHI}\s+)?(?:\w+\s+){{0,2}}?(?:not\s+(?:provided|permitted|authori[sz]ed|allowed)|"
        r"in\s+violation|contrary\s+to|inconsistent\s+with)",
        r"(?:report|notify)\w*\s+[^.;]{0,200}?(?:use|uses|disclosure|disclosures)\s+[^.;]{0,60}?"
        r"(?:does|do)\s+not\s+(?:permit|allow|authori[sz]e|provide\s+for)",
        r"(?:report|notify)\w*\s+[^.;]{0,120}?(?:unauthori[sz]ed|impermissible|improper|"
        r"non-permitted)\s+(?:access,\s+)?(?:use|uses|disclosure)",
        r"(?:use|uses|disclosure|disclosures)\s+(?:of\s+\w+\s+)?(?:not\s+(?:provided|permitted)|"
        r"in\s+violation)[^.]{0,200}(?:report|notify)",
        r"(?:not\s+(?:provided|permitted)\s+(?:for\s+)?by\s+(?:this|the)\s+\w+)[^.]{0,200}"
        r"(?:report|notify)",
    ],
    # 164.504(e)(2)(ii)(D); 164.314(a)(2)(i)(B)
    "subcontractors": [
        r"subcontractors?\b[^.]{0,300}(?:same|agree|bound|binds?|restrictions|written|flow|"
        r"comply|terms)",
        r"(?:agents?|subcontractors?)\s+(?:\w+\s+){0,10}?(?:agrees?|are bound)\s+to\s+the\s+same",
    ],
    # 164.504(e)(2)(ii)(E)
    "access": [
        r"164\s*\.?\s*524",
        rf"access\s+to\s+(?:the\s+)?(?:{PHI}|information|records)",
        r"inspect(?:ion)?\s+and\s+cop",
        r"support\s+access",
        r"right\s+of\s+access",
    ],
    # 164.504(e)(2)(ii)(F)
    "amendment": [
        r"164\s*\.?\s*526",
        rf"amend(?:ment)?s?\s+(?:to|of)\s+(?:the\s+|an?\s+)?(?:individual's\s+)?(?:{PHI}|record)",
        r"incorporate\s+(?:any\s+)?amendments",
        r"(?:access|support)[^.]{0,30}\bamendment\b",
    ],
    # 164.504(e)(2)(ii)(G)
    "accounting": [r"164\s*\.?\s*528", r"accounting\s+of\s+(?:the\s+)?disclosures"],
    # 164.504(e)(2)(ii)(H)
    "ce_obligations": [
        r"carr(?:y|ies|ying)\s+out\s+[^.]{0,120}obligations?",
        r"to\s+the\s+extent[^.]{0,120}obligation(?:\(s\)|s)?\s+(?:of\s+\w+\s+)?under\s+"
        r"(?:subpart\s+E|the\s+privacy\s+rule)",
        r"(?:perform|performs|fulfil|fulfill)\w*\s+[^.]{0,60}obligations?\s+(?:of\s+[\w ]{1,40}?\s+)?"
        r"under\s+(?:subpart E|the\s+privacy\s+rule)",
    ],
    # 164.504(e)(2)(ii)(I)
    "books_records": [
        r"books\s*(?:,|and)\s*(?:\w+\s+)?records",
        r"internal\s+practices[^.]{0,120}secretary",
        r"secretary[^.]{0,200}(?:internal\s+practices|books|records)",
        r"(?:records|books|internal\s+practices).{0,200}(?:secretary|\bHHS\b|health\s+(?:&|and)\s+human\s+services)",
    ],
    # 164.504(e)(2)(ii)(J)
    "return_destroy": [
        r"return\w*\s+(?:\w+\s+){0,12}?(?:or|and/or)\s+(?:\w+\s+){0,3}?destr",
        r"destr\w+\s+(?:\w+\s+){0,8}?or\s+return",
        r"\bdestr(?:oy|uction)\b[^.;]{0,80}\breturn|\breturn\b[^.;]{0,80}\bdestr(?:oy|uction)\b",
        r"return\s+or\s+destruction",
    ],
    # 164.504(e)(2)(iii)
    "termination": [
        r"terminat\w*\s+[^.]{0,200}(?:material|violat|breach)",
        r"(?:material|violat|breach)\w*\s+[^.]{0,200}\bterminat",
    ],
}


def _provision_sentence(doc: Document, key: str, p: Parties) -> Sentence | None:
    rxs = [re.compile(x, re.I) for x in PROVISION_PATTERNS[key]]
    for s, text in _contexts(doc):
        for rx in rxs:
            m = rx.search(text)
            if not m:
                continue
            if key == "termination" and not _ce_may_terminate(text, p):
                continue
            if key == "no_other_use" or key == "report_incidents":
                return s  # their own wording is negative ("shall not use", "not provided for")
            if negated(text, m.start(), window=40):
                continue
            return s
    return None


def _ce_may_terminate(sentence: str, p: Parties) -> bool:
    """The covered entity (or either party) may end the agreement for the other's violation."""
    if re.search(
        r"terminat\w*\s+(?:the\s+|its\s+|any\s+)?(?:\w+\s+)?(?:subcontract|sub-?processor)",
        sentence,
        re.I,
    ):
        return False
    if re.search(
        r"(?:either|each|any|non-breaching|non-defaulting|aggrieved)\s+party", sentence, re.I
    ):
        return True
    ba_terms = [t for t, side in p.sides.items() if side == "ba"] or [p.business_associate]
    for t in filter(None, ba_terms):
        # the business associate is the one in breach, so the right is the other party's
        if re.search(
            _term_re(t) + r"\s+(?:has\s+|have\s+|is\s+|shall\s+have\s+)?(?:materially\s+)?"
            r"(?:breach|violat|fail)",
            sentence,
        ) or re.search(
            r"(?:breach|violation)\w*\s+(?:\w+\s+){0,6}?by\s+(?:the\s+)?" + _term_re(t), sentence
        ):
            return True
    ce_terms = [t for t, side in p.sides.items() if side == "ce"] or [p.covered_entity]
    for t in filter(None, ce_terms):
        if re.search(_term_re(t) + r"[^.]{0,250}\bterminat", sentence):
            return True
    return bool(re.search(r"\bmay\s+(?:immediately\s+)?terminate\b", sentence, re.I)) and not any(
        t and re.search(_term_re(t) + r"\s+may\s+(?:immediately\s+)?terminate", sentence)
        for t, side in p.sides.items()
        if side == "ba"
    )


# --- indemnification -------------------------------------------------------------------------

_INDEMNITY_VERB = re.compile(
    r"\b(?:indemnif(?:y|ies)|defend(?:,)?\s+and\s+hold|hold\s+(?:\w+\s+){0,6}?harmless|"
    r"reimburse|bear\s+all\s+costs|be\s+responsible\s+for\s+(?:and\s+(?:pay|bear)\s+)?(?:all\s+)?"
    r"(?:the\s+)?(?:reasonable\s+)?costs|pay\s+(?:for\s+)?(?:all|any)\s+(?:reasonable\s+)?"
    r"(?:costs|expenses))",
    re.I,
)
# "Nothing in this Agreement obligates either party to indemnify" (but "nothing limits the
# duty to indemnify" affirms it)
_NOTHING_OBLIGES = re.compile(
    r"\b(?:nothing|no\s+provision)\b(?![^.;]*\b(?:limit|restrict|waive|affect|prejudice|impair))"
    r"[^.;]{0,120}$",
    re.I,
)
_MUTUAL_SUBJECT = re.compile(r"\b(?:each|either|both)\s+part(?:y|ies)\b|\bthe\s+parties\b", re.I)
COVERS = {
    "notification": r"notif\w+\s+(?:costs|expenses|to individuals)|costs?\s+of\s+(?:\w+\s+){0,3}notif|notification",
    "credit_monitoring": r"credit\s+monitoring|identity\s+(?:theft|protection)",
    "regulatory_fines": r"\bfines\b|\bpenalt",
    "legal_defense": r"attorney|legal\s+fees|defen[cs]e|defend",
    "civil_liability": r"\bclaims\b|judgments|damages|settlements|liabilit",
}


def _side_of(term: str, p: Parties, text: str) -> str | None:
    if term in p.sides:
        return p.sides[term]
    b, c = _role_scores(text, term)
    if b or c:
        return "ba" if b > c else "ce"
    low = term.lower()
    if any(w in low for w in ("business associate", "vendor", "contractor", "provider")):
        return "ba"
    if any(w in low for w in ("covered entity", "customer", "client", "practice")):
        return "ce"
    return None


def _indemnitor(sentence: str, at: int, p: Parties, text: str) -> str | None:
    left = sentence[:at]
    clause = re.split(r"[;:]|\.\s", left)[-1]
    if _MUTUAL_SUBJECT.search(clause[-80:]):
        return "mutual"
    terms = sorted(
        set(p.sides) | {p.covered_entity, p.business_associate} - {""}, key=len, reverse=True
    )
    best: tuple[int, str] | None = None
    for t in terms:
        for m in re.finditer(_term_re(t), left):
            if best is None or m.start() > best[0]:
                best = (m.start(), t)
    if best is None:
        return None
    return _side_of(best[1], p, text)


def indemnification(doc: Document, p: Parties) -> tuple[Proposal, Proposal]:
    found: dict[str, Sentence] = {}
    for s in doc.sentences:
        for m in _INDEMNITY_VERB.finditer(s.text):
            if negated(s.text, m.start(), window=50) or _NOTHING_OBLIGES.search(
                s.text[: m.start()]
            ):
                continue
            if m[0].lower().startswith(
                ("reimburse", "bear", "be responsible", "pay")
            ) and not re.search(r"costs?|expenses|fees", s.text, re.I):
                continue
            who = _indemnitor(s.text, m.start(), p, doc.text)
            if who:
                found.setdefault(who, s)
                break
    if "mutual" in found or ("ba" in found and "ce" in found):
        value, s = "mutual", found.get("mutual") or found["ba"]
    elif "ba" in found:
        value, s = "ba_indemnifies_ce", found["ba"]
    elif "ce" in found:
        value, s = "ce_indemnifies_ba", found["ce"]
    else:
        value, s = "none", None
    covers: list[str] = []
    excerpts = [x for x in found.values()]
    for key, rx in COVERS.items():
        if any(re.search(rx, x.text, re.I) for x in excerpts):
            covers.append(key)
    conf = 0.85 if s is not None else 0.6
    return (
        _evidence(doc, "indemnification", value, s, conf),
        _evidence(doc, "indemnity_covers", covers, s, 0.6 if covers else 0.4),
    )


# --- liability cap and carve-outs ------------------------------------------------------------

_CAP = re.compile(
    r"limitations?\s+(?:of|on)\s+(?:\w+\s+)?liabilit|liabilit\w*\s+(?:\w+\s+){0,8}?"
    r"(?:is\s+|are\s+|shall\s+be\s+|will\s+be\s+)?(?:limited|capped|subject\s+to\s+(?:the\s+)?"
    r"(?:limitations?|cap))|(?:aggregate|total|maximum|cumulative)\s+liabilit|"
    r"(?:shall|will|may)\s+(?:not|in\s+no\s+event|under\s+no\s+circumstances?)\s+exceed|"
    r"in\s+no\s+event\s+(?:\w+\s+){0,8}?exceed|\bcap\b(?!ital)|\bcapped\b",
    re.I,
)
_UNCAPPED = re.compile(
    r"(?:shall|will)\s+not\s+(?:be\s+)?(?:limit|cap)|nothing[^.]{0,80}(?:shall|will)\s+"
    r"(?:limit|cap)|unlimited\s+liabilit|no\s+(?:limitation|cap)\s+(?:of|on)\s+liabilit",
    re.I,
)
_REFERENCE = re.compile(
    r"(?:services|master|underlying|main|principal|subscription|license|terms)\s*"
    r"(?:and\s+conditions\s*)?(?:agreement|terms|of\s+service)?|as\s+(?:set\s+forth|specified|"
    r"provided)\s+in|direct\s+damages|in\s+clause\s+\d|\bMSA\b|\bICA\b",
    re.I,
)
_MONEY = re.compile(
    r"(?:(?:US\s*)?\$|\bUSD)\s?(?P<n>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>million|thousand|k|m)?\b|"
    rf"(?P<w>\d[\d,]*|{NUMBER_WORDS})(?:\s+(?P<wscale>million|thousand))?\s+(?:U\.?S\.?\s+)?"
    r"dollars",
    re.I,
)
_MONTHS_OF_FEES = re.compile(
    rf"(?:fees|amounts?|charges|sums|compensation|consideration)[^.;]{{0,160}}?"
    rf"(?P<n>{NUMBER})(?:\s*\((?P<d>{NUMBER})\))?\s*(?:-\s*)?(?:calendar\s+)?months?\b"
    rf"|(?P<n2>{NUMBER})(?:\s*\((?P<d2>{NUMBER})\))?\s*(?:-\s*)?months?'?\s+(?:of\s+)?"
    rf"(?:fees|charges|amounts)",
    re.I,
)
# "the fees paid in the preceding year" is twelve months of fees
_YEAR_OF_FEES = re.compile(
    r"(?:fees|amounts?|charges|sums)[^.;]{0,160}?(?:preceding|prior|previous|last|past)\s+"
    r"(?:one\s+(?:\(1\)\s+)?|1\s+|twelve-month\s+|contract\s+)?year",
    re.I,
)
_MULTIPLE = re.compile(
    rf"(?P<n>\d+(?:\.\d+)?|{NUMBER})(?:\s*\((?P<d>\d+(?:\.\d+)?x?|{NUMBER})\))?\s*(?:times|x|×)"
    r"(?:\s*\(\d+(?:\.\d+)?\s*[x×]\))?\s+"
    r"(?:the\s+)?(?:\w+\s+){0,4}?(?:fees|contract\s+value|amounts?|charges|value)"
    r"|\b(?P<word>twice|double|triple|treble)\s+(?:the\s+)?(?:\w+\s+){0,4}?(?:fees|value|amounts?)",
    re.I,
)

CARVE_OUT_PATTERNS: dict[str, str] = {
    "gross_negligence": r"gross(?:ly)?\s+negligen",
    "willful_misconduct": r"wil(?:l)?ful(?:l)?\s+(?:or\s+intentional\s+)?misconduct|intentional\s+misconduct",
    "willful_violation": r"wil(?:l)?ful\w*\s+(?:\w+\s+){0,2}?(?:violation|breach)",
    "fraud": r"\bfraud",
    "misrepresentation": r"misrepresent",
    "violation_of_law": r"violations?\s+of\s+(?:any\s+)?(?:applicable\s+)?(?:law|statute|regulation)",
    "indemnification": r"indemnif",
    "confidentiality_breach": r"breach\w*\s+of\s+(?:\w+\s+){0,2}?(?:security|confidentiality|privacy)|"
    r"confidentiality\s+obligations|data\s+breach",
    "hipaa_obligations": r"obligations?\s+(?:\w+\s+){0,6}?under\s+(?:the\s+)?HIPAA",
    "regulatory_fines": r"\bfines\b|\bpenalties\b",
    "bodily_injury": r"bodily\s+injury|death",
    "ip_infringement": r"infring",
}
_CARVE_INTRO = re.compile(
    r"\bexcept\b|\bexclud|\bexclusion|not\s+apply|do(?:es)?\s+not\s+limit|shall\s+not\s+limit|"
    r"other\s+than|carve|\bprovided\s+that\b|\bhowever\b",
    re.I,
)


def carve_out_keys(text: str) -> set[str]:
    """The carve-out categories a phrase names (also used to compare labels)."""
    return {k for k, rx in CARVE_OUT_PATTERNS.items() if re.search(rx, text, re.I)}


def _num(n: str | None, d: str | None) -> float | None:
    """The figure of 'twelve (12)', '12 (twelve)' or '12': digits win over words."""
    parts = sorted((p for p in (d, n) if p), key=lambda p: not re.match(r"\d", p))
    for part in parts:
        part = part.rstrip("x")
        if part:
            part = part.replace(",", "")
            try:
                return float(part)
            except ValueError:
                v = words_to_int(part)
                if v is not None:
                    return float(v)
    return None


def liability_cap(doc: Document) -> tuple[Proposal, Proposal]:
    sents = doc.sentences
    hits = [
        i
        for i, s in enumerate(sents)
        if _CAP.search(s.text) and re.search(r"liab|\bcap\b|exceed", s.text, re.I)
    ]
    best: tuple[int, dict, int] | None = None  # (rank, value, index)
    for i in hits:
        t = sents[i].text
        if not re.search(r"liab|\bcap\b", t, re.I):
            continue
        value: dict[str, Any] = {"type": "", "months": None, "amount": None, "multiple": None}
        rank = 0
        months, multiple = _MONTHS_OF_FEES.search(t), _MULTIPLE.search(t)
        if months and multiple and multiple.start() < months.start():
            months = None  # "three (3) times the fees paid in the twelve months": a multiple
        if m := months:
            value.update(type="months_of_fees", months=_num(m["n"] or m["n2"], m["d"] or m["d2"]))
            rank = 5
        elif m := multiple:
            mult = {"twice": 2, "double": 2, "triple": 3, "treble": 3}.get(
                (m["word"] or "").lower()
            )
            value.update(type="multiple_of_fees", multiple=mult or _num(m["n"], m["d"]))
            rank = 5
        elif _YEAR_OF_FEES.search(t):
            value.update(type="months_of_fees", months=12.0)
            rank = 5
        elif m := _MONEY.search(t):
            figure = (m["n"] or m["w"]).replace(",", "")
            amount = float(figure) if figure[0].isdigit() else float(words_to_int(figure) or 0)
            scale = (m["scale"] or m["wscale"] or "").lower()
            amount *= {"million": 1e6, "m": 1e6, "thousand": 1e3, "k": 1e3}.get(scale, 1)
            value.update(type="fixed_amount", amount=amount)
            rank = 4
        elif _UNCAPPED.search(t) and not re.search(r"expand", t, re.I):
            value.update(type="none_found")
            rank = 1
        elif _REFERENCE.search(t):
            value.update(type="other")
            rank = 3
        else:
            continue
        if best is None or rank > best[0]:
            best = (rank, value, i)
    if best is None:
        none = {"type": "none_found", "months": None, "amount": None, "multiple": None}
        return (
            Proposal("liability_cap", none, confidence=0.6),
            Proposal("carve_outs", [], confidence=0.6),
        )
    _, value, i = best
    s = sents[i]
    carve: set[str] = set()
    m = _CARVE_INTRO.search(s.text)
    if m:
        carve |= carve_out_keys(s.text[m.start() :])
    listing = False
    for j in range(i + 1, min(i + 12, len(sents))):
        nxt = sents[j].text
        if _CARVE_INTRO.search(nxt) and (j == i + 1 or re.search(r"liab|limit", nxt, re.I)):
            carve |= carve_out_keys(nxt)
            listing = True
        elif listing and (
            sents[j - 1].text.rstrip().endswith((";", ":", ","))
            or re.match(r"\s*(?:or\s+|and\s+)?\(?[a-z]{1,4}\)", nxt)
        ):
            carve |= carve_out_keys(nxt)
        elif re.search(r"liab", nxt, re.I) and _CAP.search(nxt):
            continue
        else:
            break
    conf = {"months_of_fees": 0.8, "multiple_of_fees": 0.75, "fixed_amount": 0.7}.get(
        value["type"], 0.6
    )
    return (
        _evidence(doc, "liability_cap", value, s, conf),
        _evidence(doc, "carve_outs", sorted(carve), s, 0.6),
    )


# --- breach notice ---------------------------------------------------------------------------

_REPORTING = re.compile(r"\b(?:report|notif|notice|inform)\w*", re.I)
_BREACH = re.compile(r"\bBreach\b|breach\s+of\s+unsecured|breaches\s+of\s+unsecured", re.I)
_EVENT = re.compile(
    r"security\s+(?:incident|accident|event)|unauthori[sz]ed|not\s+permitted|not\s+provided\s+for|"
    r"in\s+violation|impermissible",
    re.I,
)
_NOT_NOTICE = re.compile(r"\bcure|terminat|forward|request\s+(?:by|from|for)", re.I)
_UNREASONABLE = re.compile(r"without\s+unreasonable\s+delay", re.I)
# words that set no number either, when they are the only time a Breach notice is given
_PROMPTLY = re.compile(
    r"\b(?:promptly|immediately|forthwith|without\s+(?:undue\s+)?delay|"
    r"as\s+soon\s+as\s+(?:reasonably\s+)?(?:practicable|possible|feasible))\b",
    re.I,
)


def _trigger(text: str) -> str:
    if re.search(r"discover", text, re.I):
        return "discovery"
    if re.search(r"becom\w+\s+aware|aware", text, re.I):
        return "awareness"
    if re.search(r"occurr|incident\s+occurs", text, re.I):
        return "occurrence"
    return ""


def breach_notice(doc: Document) -> tuple[Proposal, Proposal]:
    """The window to report a Breach of Unsecured PHI (164.410(b)), and the other windows."""
    scored: list[tuple[int, int, Sentence, Any]] = []
    others: list[str] = []
    for idx, (s, t) in enumerate(_contexts(doc)):
        if not _REPORTING.search(t):
            continue
        is_breach = bool(_BREACH.search(t)) and not re.search(
            r"material\s+breach|breach\s+of\s+this", t, re.I
        )
        is_event = is_breach or bool(_EVENT.search(t))
        if not is_event or _NOT_NOTICE.search(t):
            continue
        qs = [q for q in quantities(t) if q.unit in ("days", "hours")]
        score = (3 if is_breach else 1) + (1 if "discover" in t.lower() else 0)
        if qs:
            q = qs[0]
            if is_breach and len(qs) > 1:
                # "Security Incidents within 5 days and Breaches within 30 days": the first
                # figure after the word Breach is the breach window
                at = [m.start() for m in _BREACH.finditer(t)]
                after = [(x.start - a, i) for i, x in enumerate(qs) for a in at if x.start > a]
                if after:
                    q = qs[min(after)[1]]
            scored.append((score + 2, -idx, s, q))
        elif _UNREASONABLE.search(t) or (is_breach and _PROMPTLY.search(t)):
            scored.append((score, -idx, s, None))
        for q in qs:
            others.append(
                f"{q.value} {q.kind + ' ' if q.kind else ''}{q.unit} ({s.section or 'n/a'})"
            )
    if not scored:
        empty = {"days": None, "unit": None, "text_only": False, "trigger": ""}
        return Proposal("breach_notice", empty, confidence=0.5), Proposal("other_windows", others)
    # a number for a Breach beats words only; within each, the first in the text
    scored.sort(key=lambda x: (x[3] is not None and x[0] >= 3, x[0], x[1]), reverse=True)
    score, _, s, q = scored[0]
    if q is None:
        value = {"days": None, "unit": None, "text_only": True, "trigger": _trigger(s.text)}
    else:
        unit = "hours" if q.unit == "hours" else q.kind
        value = {"days": q.value, "unit": unit, "text_only": False, "trigger": _trigger(s.text)}
    conf = 0.85 if score >= 5 else 0.65
    return _evidence(doc, "breach_notice", value, s, conf), Proposal("other_windows", others)


# --- dates, renewal, own use, precedence ------------------------------------------------------

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"(?P<mdy>(?P<m1>{_MONTHS})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}}))|"
    rf"(?P<dmy>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?(?P<m2>{_MONTHS})\.?,?\s+(?P<y2>\d{{4}}))|"
    r"(?P<iso>(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))|"
    r"(?P<us>(?P<m4>\d{1,2})/(?P<d4>\d{1,2})/(?P<y4>\d{4}))",
    re.I,
)


def _month(name: str) -> int:
    return [m[:3] for m in _MONTHS.split("|")[:12]].index(name[:3].lower()) + 1


def parse_date(m: re.Match) -> date | None:
    try:
        if m["mdy"]:
            return date(int(m["y1"]), _month(m["m1"]), int(m["d1"]))
        if m["dmy"]:
            return date(int(m["y2"]), _month(m["m2"]), int(m["d2"]))
        if m["iso"]:
            return date(int(m["y3"]), int(m["m3"]), int(m["d3"]))
        if m["us"]:
            return date(int(m["y4"]), int(m["m4"]), int(m["d4"]))
    except ValueError:
        return None
    return None


def dates(doc: Document) -> Proposal:
    """Effective date, expiry and term length where the text states them."""
    value: dict[str, Any] = {"effective_on": None, "expires_on": None, "term_years": None}
    evidence = None
    for s in doc.sentences:
        for m in _DATE.finditer(s.text):
            d = parse_date(m)
            if d is None:
                continue
            before = s.text[max(0, m.start() - 120) : m.start()].lower()
            if value["effective_on"] is None and re.search(
                r"effective|entered into|dated|made|takes?\s+effect|commenc", before
            ):
                value["effective_on"] = d.isoformat()
                evidence = evidence or s
            elif value["expires_on"] is None and re.search(
                r"expir|terminat\w*\s+on|ends?\s+on|until|through", before
            ):
                value["expires_on"] = d.isoformat()
                evidence = evidence or s
        if value["term_years"] is None:
            m = re.search(
                rf"(?:initial\s+)?term\s+of\s+(?P<n>{NUMBER})(?:\s*\((?P<d>\d+)\))?\s+years?",
                s.text,
                re.I,
            )
            if m:
                value["term_years"] = int(_num(m["n"], m["d"]) or 0) or None
                evidence = evidence or s
    found = any(v is not None for v in value.values())
    return _evidence(doc, "dates", value, evidence, 0.6 if found else 0.3)


_RENEW = re.compile(
    r"(?:automatic(?:ally)?|auto-?)\s*renew|renew\w*\s+(?:\w+\s+){0,3}?automatically|"
    r"successive\s+(?:\w+\s+){0,3}?(?:renewal\s+)?(?:terms|periods)|evergreen",
    re.I,
)
# "will be extended for additional one (1) year periods unless either party terminates": a
# renewal that happens unless someone acts (not one the parties may agree on later).
_EXTENDED = re.compile(
    r"(?:extended|renewed|continue)\s+for\s+(?:an?\s+)?(?:additional|further|subsequent)\s+"
    r"(?:[\w-]+\s+|\(\d+\)\s+){0,3}?(?:terms?|periods?|years?)[^.]{0,200}?\bunless\b",
    re.I,
)
_BY_AGREEMENT = re.compile(r"mutual(?:ly)?\s+(?:written\s+)?agree|written\s+amendment", re.I)


def auto_renewal(doc: Document) -> Proposal:
    for s in doc.sentences:
        m = _RENEW.search(s.text) or _EXTENDED.search(s.text)
        if not m or negated(s.text, m.start(), window=50):
            continue
        if m.re is _EXTENDED and _BY_AGREEMENT.search(s.text):
            continue
        notice = None
        for q in quantities(s.text):
            if q.unit == "days" and re.search(
                r"notice|non-?renew|not\s+to\s+renew|prior|before", s.text, re.I
            ):
                notice = q.value
                break
        return _evidence(doc, "auto_renewal", {"renews": True, "notice_days": notice}, s, 0.8)
    return Proposal("auto_renewal", {"renews": False, "notice_days": None}, confidence=0.7)


_OWN_USE = {
    "de_identification": r"de-?\s?identif",
    "aggregation": r"(?:data\s+)?aggregat",
    "model_training": r"\btrain\w*\b|machine\s+learning|artificial\s+intelligence|\bAI\b\s+models?",
}


# "Data Aggregation services relating to the health care operations of Covered Entity" is a use
# for the practice that 164.504(e)(2)(i)(B) permits, not a right of the vendor's own.
_CE_AGGREGATION = re.compile(
    r"aggregation\s+services|health\s+care\s+operations|164\.504\s*\(e\)\s*\(2\)\s*\(i\)\s*\(B\)",
    re.I,
)
_OWN_PURPOSE = re.compile(
    r"other\s+(?:customers|clients|covered\s+entities)|its\s+own|own\s+(?:use|purposes)|"
    r"commercial|improve\s+its|third\s+part",
    re.I,
)


def own_use(doc: Document) -> Proposal:
    rights: list[str] = []
    evidence = None
    for s in doc.sentences:
        for key, rx in _OWN_USE.items():
            m = re.search(rx, s.text, re.I)
            if not m or key in rights:
                continue
            if key == "model_training" and not re.search(
                r"data|PHI|information|models?", s.text, re.I
            ):
                continue
            if key == "model_training" and re.search(
                r"workforce|employees|personnel|staff", s.text, re.I
            ):
                continue  # training people, not models
            if (
                key == "aggregation"
                and _CE_AGGREGATION.search(s.text)
                and not _OWN_PURPOSE.search(s.text)
            ):
                continue  # data aggregation for the practice's operations: 164.504(e)(2)(i)(B)
            if negated(s.text, m.start(), window=120):
                continue
            if re.search(r"\b(?:may|permitted|right|will|can|allowed|remains)\b", s.text, re.I):
                rights.append(key)
                evidence = evidence or s
    return _evidence(doc, "own_use", rights, evidence, 0.6 if rights else 0.5)


def precedence(doc: Document) -> Proposal:
    s = _first(
        doc,
        r"(?:conflict|inconsisten)[^.]{0,200}(?:this\s+(?:BAA|Agreement|Addendum|Exhibit|"
        r"exhibit)\s+(?:shall\s+|will\s+)?(?:control|govern|prevail|supersede)|(?:control|govern|prevail)s?)",
    )
    return _evidence(doc, "precedence", s is not None, s, 0.7 if s else 0.5)


# --- the whole reading -----------------------------------------------------------------------


def looks_like_baa(doc: Document, provisions_found: int) -> bool:
    """A business associate agreement names the role and states several required provisions."""
    text = doc.text
    roles = len(re.findall(r"business\s+associate", text, re.I))
    phi = len(re.findall(r"\bPHI\b|protected\s+health\s+information", text, re.I))
    return roles >= 2 and phi >= 2 and provisions_found >= 4


def read(raw: str, *, paged: bool | None = None) -> Reading:
    """Read an agreement's text; ``paged`` says whether it has pages (PDF), so that each
    excerpt can say its page (by default: when the text has form feeds)."""
    doc = Document(raw, paged=paged)
    p = parties(doc)
    provisions = {}
    for key in PROVISION_PATTERNS:
        s = _provision_sentence(doc, key, p)
        provisions[key] = _evidence(doc, f"provision:{key}", s is not None, s, 0.8 if s else 0.6)
    indemnity, covers = indemnification(doc, p)
    cap, carve = liability_cap(doc)
    notice, others = breach_notice(doc)
    is_baa = looks_like_baa(doc, sum(1 for v in provisions.values() if v.value))
    problems = []
    if not doc.text.strip():
        problems.append("empty")
    elif not is_baa:
        problems.append("not_a_baa")
    party_value = {
        "covered_entity": p.covered_entity,
        "business_associate": p.business_associate,
        "subcontractor_baa": p.subcontractor_baa,
    }
    party_sentence = _first(
        doc, _term_re(p.business_associate) if p.business_associate else r"$^", re.M
    )
    return Reading(
        is_baa=is_baa,
        parties=_evidence(doc, "parties", party_value, party_sentence, p.confidence),
        provisions=provisions,
        indemnification=indemnity,
        indemnity_covers=covers,
        liability_cap=cap,
        carve_outs=carve,
        breach_notice=notice,
        other_windows=others,
        auto_renewal=auto_renewal(doc),
        dates=dates(doc),
        own_use=own_use(doc),
        precedence=precedence(doc),
        problems=problems,
    )
