"""Celery tasks: thin wrappers around ``reminders.services`` (ids only in arguments, no PHI).

``sweep`` runs from the static beat schedule in ``oversight/celery.py``. Delivery tasks are
safe to run twice (the claim is a conditional UPDATE), which is what ``task_acks_late`` and
``task_reject_on_worker_lost`` may do after a worker dies."""

from celery import shared_task

from . import services


@shared_task(name="reminders.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    result = services.run_sweep()
    return {"created": result.created, "errors": len(result.errors)}


@shared_task(name="reminders.tasks.deliver", ignore_result=True)
def deliver(reminder_id: int) -> None:
    outcome = services.deliver_reminder(reminder_id=reminder_id)
    if outcome.retry_in:
        # A new message with a countdown (well under the visibility timeout). Should it be
        # lost, the next sweep enqueues the row again once its send_after has come.
        deliver.apply_async((reminder_id,), countdown=outcome.retry_in)


@shared_task(name="reminders.tasks.deliver_digest", ignore_result=True)
def deliver_digest(membership_id: int) -> None:
    outcome = services.deliver_digest(membership_id=membership_id)
    if outcome.retry_in:
        deliver_digest.apply_async((membership_id,), countdown=outcome.retry_in)
