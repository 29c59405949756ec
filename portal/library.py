"""The questionnaire library the product ships, and which one a vendor is sent. Pure data.

Each question is answered Yes / Partial / No / Unknown with an optional comment. A question
that maps onto a security control of the diligence checklist (``diligence.choices.Control``)
becomes that ``ControlAnswer`` when the practice accepts the submission, so a shortfall is a
finding by the existing rule (``diligence.controls``: by tier) and, on acceptance, a proposed
follow-up action. The citations are the Security Rule's administrative (164.308), physical
(164.310), technical (164.312), organizational (164.314) and documentation (164.316)
standards the question helps the practice obtain "satisfactory assurances" about
(164.308(b)(1), 164.314(a)).

Questions ask about the vendor's safeguards only: never for PHI.
"""

from dataclasses import asdict, dataclass

from diligence.choices import Answer, DiligenceKind

ANSWERS = tuple(Answer.choices)  # (value, label), Yes first
# Answers that fall short on every question ("Yes" never does).
SHORT_ANSWERS = frozenset({Answer.NO, Answer.PARTIAL, Answer.UNKNOWN})

HIPAA = "hipaa"
HIPAA_SHORT = "hipaa_short"
MSP = "msp"


@dataclass(frozen=True)
class Question:
    key: str  # stable within a questionnaire; answers and comparisons use it
    text: str
    cite: str = ""  # the Security Rule paragraph it bears on
    control: str = ""  # a ``diligence.choices.Control`` value, or "" (recorded, not graded)
    follow_up: str = ""  # the follow-up action proposed when the answer falls short

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Questionnaire:
    key: str
    title: str
    description: str
    questions: tuple[Question, ...]


_MFA = Question(
    "mfa",
    "Is multi-factor authentication required for all remote access and all privileged "
    "(administrator) access to systems that hold or reach our data?",
    "164.312(d); 164.308(a)(5)(ii)(D)",
    "mfa",
    "Obtain the vendor's plan and date to require MFA on remote and privileged access.",
)
_AT_REST = Question(
    "encryption_at_rest",
    "Is our data encrypted at rest (databases, file stores, backups, laptops)?",
    "164.312(a)(2)(iv)",
    "encryption_at_rest",
    "Obtain the vendor's plan to encrypt data at rest, or its documented equivalent measure.",
)
_IN_TRANSIT = Question(
    "encryption_in_transit",
    "Is our data encrypted in transit over every network (TLS 1.2 or later, VPN, SFTP)?",
    "164.312(e)(1); 164.312(e)(2)(ii)",
    "encryption_in_transit",
    "Obtain the vendor's plan to encrypt data in transit on every connection.",
)
_EDR = Question(
    "edr",
    "Do all servers and workstations that handle our data run endpoint detection and "
    "response (EDR) or managed anti-malware, monitored by someone?",
    "164.308(a)(5)(ii)(B); 164.308(a)(1)(ii)(D)",
    "edr",
    "Ask the vendor when endpoint detection and response will cover every endpoint.",
)
_BACKUPS = Question(
    "backups",
    "Are backups of our data kept separately from production, and has a restore been "
    "tested in the last 12 months?",
    "164.308(a)(7)(ii)(A), (B) and (D)",
    "backups_restore_tested",
    "Obtain evidence of a tested restore (date and scope) from the vendor.",
)
_INCIDENT = Question(
    "incident_response",
    "Do you have a written, tested incident-response plan that names who notifies "
    "customers of a security incident or breach?",
    "164.308(a)(6)",
    "incident_response",
    "Obtain the vendor's incident-response plan (or its summary) and the date it was tested.",
)
_TRAINING = Question(
    "training",
    "Do all staff with access to our data receive security-awareness training at least yearly?",
    "164.308(a)(5)(i)",
    "training",
    "Ask the vendor to confirm yearly security training for staff with access.",
)
_ACCESS = Question(
    "access_reviews",
    "Are user accounts reviewed at least quarterly, and is a leaver's access removed on "
    "their last day?",
    "164.308(a)(3)(ii)(B) and (C); 164.308(a)(4)",
    "access_reviews",
    "Ask the vendor for its access-review and leaver process and its last review date.",
)
_VULN = Question(
    "vulnerability_management",
    "Are critical security patches applied within 30 days, and are systems scanned for "
    "vulnerabilities at least quarterly?",
    "164.308(a)(1)(ii)(A) and (B)",
    "vulnerability_management",
    "Ask the vendor for its patching timelines and last vulnerability-scan date.",
)
_SUBS = Question(
    "subcontractors",
    "Does every subcontractor that touches our data sign a business associate agreement "
    "with you, and do you review their safeguards?",
    "164.308(b)(2); 164.314(a)(2)(i)(B)",
    "subcontractor_oversight",
    "Obtain the vendor's list of subcontractors with PHI and confirm each has a BAA.",
)
_OFFSHORE = Question(
    "onshore",
    "Is our data stored, processed and accessed only from within the United States?",
    "164.308(a)(1)(ii)(A) (risk analysis)",
    "",
    "Ask where the data is stored or accessed outside the US and weigh it in the risk analysis.",
)
_BREACH = Question(
    "breach_notice",
    "Will you notify us of a breach of unsecured PHI without unreasonable delay, and no "
    "later than the window in our BAA, with the information 164.410(c) requires?",
    "164.410; 164.314(a)(2)(i)(C)",
    "",
    "Confirm the vendor's breach-notice process and window against the BAA.",
)
_INSURANCE = Question(
    "cyber_insurance",
    "Do you hold cyber-liability insurance that covers a breach of our data?",
    "164.308(a)(1)(ii)(B) (risk management)",
    "cyber_insurance",
    "Ask for the vendor's cyber-insurance certificate and coverage limits.",
)
_RISK_ANALYSIS = Question(
    "risk_analysis",
    "Have you completed a written security risk analysis in the last 12 months?",
    "164.308(a)(1)(ii)(A); 164.316(b)",
    "",
    "Ask for the date and scope of the vendor's last risk analysis.",
)
_POLICIES = Question(
    "policies",
    "Are your security policies written down, reviewed at least yearly and kept for six years?",
    "164.316(a), (b)(1) and (b)(2)",
    "",
    "Ask the vendor for its policy index and the date of its last review.",
)
_FACILITY = Question(
    "facility",
    "Are the facilities and devices that hold our data physically protected (controlled "
    "entry, locked equipment, media disposal)?",
    "164.310(a)(1); 164.310(d)(1)",
    "",
    "Ask how facilities and media holding the data are protected and disposed of.",
)
_LOGGING = Question(
    "audit_logs",
    "Are access to and changes of our data logged, and are the logs reviewed?",
    "164.312(b); 164.308(a)(1)(ii)(D)",
    "",
    "Ask how activity on systems holding the data is logged and reviewed.",
)

# Seed 003's questions for an IT managed-services provider, whose access reaches the
# practice's own systems.
_MSP_ACCESS = Question(
    "msp_access_protection",
    "How is your access to our environment protected: MFA on every remote-access and "
    "management tool, access only from your managed devices, no shared vaults of our "
    "passwords?",
    "164.312(d); 164.308(a)(4)",
    "mfa",
    "Obtain the MSP's plan to require MFA and managed devices on all access to our systems.",
)
_MSP_ACCOUNTS = Question(
    "msp_named_accounts",
    "Does each technician use their own named account on our systems (no shared "
    "administrator accounts), removed the day they leave?",
    "164.312(a)(2)(i); 164.308(a)(3)(ii)(C)",
    "access_reviews",
    "Ask the MSP to replace shared accounts with one named account per technician.",
)
_MSP_TOOLS = Question(
    "msp_remote_tools",
    "Are your remote-monitoring and management (RMM) and remote-access tools hardened: "
    "patched, MFA-protected, restricted to your staff, with unattended access disabled "
    "where not needed?",
    "164.308(a)(1)(ii)(B); 164.312(a)(1)",
    "vulnerability_management",
    "Ask the MSP how its RMM and remote-access tools are patched and restricted.",
)
_MSP_SESSIONS = Question(
    "msp_session_logging",
    "Are your technicians' sessions on our systems logged (who, when, what), and can we "
    "have those logs on request?",
    "164.312(b)",
    "",
    "Ask the MSP to log technician sessions and provide the logs on request.",
)
_MSP_INCIDENT = Question(
    "msp_own_incident",
    "If your own systems (RMM, ticketing, password vault) were compromised, would you cut "
    "access to ours and tell us at once, under a tested plan?",
    "164.308(a)(6); 164.314(a)(2)(i)(C)",
    "incident_response",
    "Obtain the MSP's plan for an incident on its own systems and how it would notify us.",
)

LIBRARY: dict[str, Questionnaire] = {
    q.key: q
    for q in (
        Questionnaire(
            HIPAA,
            "HIPAA security questionnaire",
            "The full Security Rule questionnaire (164.308 to 164.316) for vendors that hold "
            "or reach our patients' data.",
            (
                _RISK_ANALYSIS,
                _POLICIES,
                _MFA,
                _ACCESS,
                _TRAINING,
                _AT_REST,
                _IN_TRANSIT,
                _EDR,
                _VULN,
                _LOGGING,
                _BACKUPS,
                _FACILITY,
                _INCIDENT,
                _BREACH,
                _SUBS,
                _OFFSHORE,
                _INSURANCE,
            ),
        ),
        Questionnaire(
            HIPAA_SHORT,
            "HIPAA security questionnaire (short)",
            "The essential questions, for low-tier vendors.",
            (_MFA, _AT_REST, _IN_TRANSIT, _BACKUPS, _INCIDENT, _BREACH, _SUBS, _OFFSHORE),
        ),
        Questionnaire(
            MSP,
            "IT managed services (MSP) questionnaire",
            "For an MSP whose access reaches our own systems: how that access is protected, "
            "plus the Security Rule essentials.",
            (
                _MSP_ACCESS,
                _MSP_ACCOUNTS,
                _MSP_TOOLS,
                _MSP_SESSIONS,
                _MSP_INCIDENT,
                _EDR,
                _BACKUPS,
                _TRAINING,
                _BREACH,
                _SUBS,
                _OFFSHORE,
                _INSURANCE,
            ),
        ),
    )
}

# Evidence a request may ask for (the diligence kinds that are documents).
EVIDENCE_KINDS = (
    DiligenceKind.SOC2,
    DiligenceKind.HITRUST,
    DiligenceKind.ISO27001,
    DiligenceKind.PENTEST,
    DiligenceKind.CYBER_INSURANCE,
)

# Which questionnaire is proposed by tier: the more access and PHI, the more diligence
# (seed 003; 164.306(b)). An MSP gets its own whatever its tier.
PROPOSED_BY_TIER = {"critical": HIPAA, "high": HIPAA, "medium": HIPAA, "low": HIPAA_SHORT}
# Evidence proposed by tier (the practice may add or remove any).
EVIDENCE_BY_TIER = {
    "critical": (DiligenceKind.SOC2, DiligenceKind.PENTEST, DiligenceKind.CYBER_INSURANCE),
    "high": (DiligenceKind.SOC2, DiligenceKind.CYBER_INSURANCE),
    "medium": (DiligenceKind.CYBER_INSURANCE,),
    "low": (),
}


def proposed_questionnaire(*, tier: str, category: str) -> str:
    """The library questionnaire proposed for a vendor: the MSP one for an IT managed-services
    provider, otherwise by tier (full for critical, high and medium; short for low)."""
    if category == "msp":
        return MSP
    return PROPOSED_BY_TIER.get(str(tier), HIPAA)


def proposed_evidence(tier: str) -> tuple[str, ...]:
    return tuple(str(k) for k in EVIDENCE_BY_TIER.get(str(tier), ()))


def falls_short(answer: str) -> bool:
    """An answer that is not a plain "Yes" (including no answer) falls short."""
    return answer != Answer.YES


def control_answers(questions: list[dict], answers: dict) -> dict[str, tuple[str, str]]:
    """The diligence checklist's ``{control: (answer, note)}`` from a submission. When two
    questions map onto one control (the MSP's access and MFA), the weaker answer stands."""
    rank = {Answer.YES: 0, Answer.PARTIAL: 1, Answer.UNKNOWN: 2, Answer.NO: 3}
    result: dict[str, tuple[str, str]] = {}
    for question in questions:
        control = question.get("control")
        given = answers.get(question["key"], {})
        answer = given.get("answer", "")
        if not control or answer not in rank:
            continue
        note = (given.get("comment") or "")[:500]
        held = result.get(control)
        if held is None or rank[answer] > rank[held[0]]:
            result[control] = (answer, note)
    return result


def changed_keys(previous: dict | None, current: dict) -> set[str]:
    """Questions whose answer or comment differs from the previous submission's."""
    if previous is None:
        return set()
    keys = set(previous) | set(current)
    return {
        k
        for k in keys
        if (previous.get(k) or {}).get("answer") != (current.get(k) or {}).get("answer")
        or ((previous.get(k) or {}).get("comment") or "").strip()
        != ((current.get(k) or {}).get("comment") or "").strip()
    }
