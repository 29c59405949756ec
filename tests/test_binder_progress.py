"""Without a broker (Celery runs tasks inline: ``manage.py runserver`` with no
``CELERY_BROKER_URL``), generating the binder does not hold the request for the whole build:
it is built in a background thread while the page polls its progress (htmx)."""

import io
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from binder.choices import BinderStatus
from binder.models import BinderExport

from .factories import VendorFactory


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_request_returns_and_the_row_polls_until_ready(cast, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    for i in range(3):
        VendorFactory(organization=cast.practice, name=f"Threaded Vendor {i}")
    client.force_login(cast.bob.user)
    today = cast.practice.today()
    response = client.post(reverse("binder_page"), {"as_of": today.isoformat(), "period": "12m"})
    assert response.status_code == 302
    export = BinderExport.objects.get()
    # The request came back before the build finished (an inline build would be "done").
    assert export.status in (BinderStatus.QUEUED, BinderStatus.RUNNING)
    page = client.get(reverse("binder_page")).text
    assert 'hx-trigger="every 2s"' in page and 'role="progressbar"' in page

    deadline = time.monotonic() + 120
    while True:
        row = client.get(reverse("binder_status", args=[export.pk])).text
        if 'data-status="done"' in row or time.monotonic() > deadline:
            break
        assert "hx-trigger" in row, "the row keeps polling while the build runs"
        time.sleep(0.3)
    assert "Ready" in row and "hx-trigger" not in row
    pdf = client.get(reverse("binder_download", args=[export.pk, "pdf"]))
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    assert "Threaded Vendor 2" in text
