"""The demo data shows every state of the oversight program, and seeding twice changes
nothing."""

from collections import Counter

import pytest
from django.core.management import call_command

from diligence import due as diligence_due
from diligence.models import (
    ControlAnswer,
    DispositionCertificate,
    DueDiligenceRecord,
    EvidenceFile,
    FollowUpAction,
    Offboarding,
    VendorReview,
)
from diligence.services import practice_today
from oversight.models import Organization, rules_for

MODELS = (
    DueDiligenceRecord,
    EvidenceFile,
    ControlAnswer,
    VendorReview,
    FollowUpAction,
    Offboarding,
    DispositionCertificate,
)


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    call_command("seed_demo")
    return Organization.objects.get(name="Riverside Family Medicine")


def test_seed_demo_is_idempotent(seeded):
    counts = [m.objects.count() for m in MODELS]
    call_command("seed_demo")
    assert [m.objects.count() for m in MODELS] == counts
    assert all(counts)


def test_demo_shows_every_state(seeded):
    practice = seeded
    today = practice_today(practice)
    items = diligence_due.provide([practice.id], today, rules_for([practice.id]))
    seen = Counter((i.kind, i.extra["state"]) for i in items)
    for wanted in [
        ("review", "overdue"),
        ("review", "due_soon"),
        ("evidence", "overdue"),
        ("evidence", "due_soon"),
        ("action", "overdue"),
        ("action", "due_soon"),
        ("certificate", "overdue"),
    ]:
        assert seen[wanted], wanted
    statuses = set(FollowUpAction.objects.for_org(practice).values_list("status", flat=True))
    assert statuses == {"open", "done", "accepted_risk"}
    offboardings = Offboarding.objects.for_org(practice)
    assert offboardings.filter(closed_on__isnull=False, certificates__isnull=False).exists()
    assert ControlAnswer.objects.filter(
        organization=practice, answer__in=["no", "unknown"], record__vendor__tier="critical"
    ).exists()
    assert DueDiligenceRecord.objects.filter(
        organization=practice, kind="safeguards_verification"
    ).exists()
