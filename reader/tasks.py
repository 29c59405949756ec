from celery import shared_task

from . import services


@shared_task(acks_late=True)
def read_document(reading_id: int) -> str:
    """Read one queued document (ids only in the message: no PHI in the broker)."""
    reading = services.reading_run(reading_id=reading_id)
    return reading.status if reading else "skipped"
