"""Factories of the oversight program (diligence, reviews, actions, offboarding)."""

from datetime import date

import factory

from diligence.choices import ActionStatus, DiligenceKind, DiligenceOutcome, ReviewOutcome
from diligence.models import DueDiligenceRecord, FollowUpAction, Offboarding, VendorReview
from diligence.services import action_save, review_record

from .factories import VendorFactory


class DiligenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DueDiligenceRecord

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.SelfAttribute("vendor.organization")
    kind = DiligenceKind.SOC2
    performed_on = date(2026, 1, 15)
    outcome = DiligenceOutcome.SATISFACTORY
    summary = "Reviewed the report; no exceptions."


class ReviewFactory(factory.django.DjangoModelFactory):
    """Recorded through ``review_record`` so the schedule follows, as in the app."""

    class Meta:
        model = VendorReview

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.SelfAttribute("vendor.organization")
    reviewed_on = date(2026, 1, 15)
    outcome = ReviewOutcome.CONTINUE
    baa_current = True
    evidence_current = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return review_record(review=model_class(*args, **kwargs), actor=None, check_record=False)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpAction

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.SelfAttribute("vendor.organization")
    description = factory.Sequence(lambda n: f"Obtain restore-test report {n}")
    due_on = date(2026, 3, 1)
    status = ActionStatus.OPEN

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return action_save(action=model_class(*args, **kwargs), actor=None)


class OffboardingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offboarding

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.SelfAttribute("vendor.organization")
    started_on = date(2026, 1, 1)
