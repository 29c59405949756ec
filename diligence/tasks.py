"""Celery tasks of the oversight program (ids only in arguments, no PHI)."""

from celery import shared_task

from .services import relationships_end_passed


@shared_task
def terminate_ended_relationships() -> int:
    """Nightly: offboarding vendors whose end date has come move to terminated."""
    return relationships_end_passed()
