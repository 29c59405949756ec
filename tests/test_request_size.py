"""A request whose declared body is larger than MAX_UPLOAD_BYTES is answered 413 from its
headers, before the body is read (oversight.middleware.RequestSizeLimitMiddleware)."""

import socket
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from baas.demo import minimal_pdf
from diligence.models import DueDiligenceRecord
from oversight.middleware import FORM_OVERHEAD_BYTES

DECLARED = 150 * 1024 * 1024  # the 150 MB body of the issue


def _read_response(sock) -> bytes:
    data = b""
    while b"</html>" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_150_mb_body_is_refused_over_http_before_it_is_sent(live_server):
    """Over a real socket: only the headers and the first bytes of a 150 MB upload are sent.
    A server that read the body would wait for the rest (the socket times out); this one
    answers at once."""
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /vendors/1/diligence/new/ HTTP/1.1\r\n"
            + f"Host: {host}:{port}\r\n".encode()
            + b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            + f"Content-Length: {DECLARED}\r\n\r\n".encode()
            + b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="scan.pdf"\r\n'
            + b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        )
        response = _read_response(sock)
        elapsed = time.monotonic() - started
    status_line = response.split(b"\r\n", 1)[0]
    assert b" 413 " in status_line, status_line
    page = response.decode("utf-8", "replace")
    assert "The file is too large" in page
    assert "150.0\xa0MB" in page and "20.0\xa0MB" in page and "Nothing was stored" in page
    assert elapsed < 3, f"answered after {elapsed:.2f} s"


class _Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def test_the_body_is_never_read_and_nothing_is_stored(cast, login, vendor, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    client = login(cast.bob)
    url = reverse("diligence_create", args=[vendor.pk])
    response = client.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(settings.MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES + 1),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413
    assert "the limit is 1.0\xa0MB" in response.content.decode()
    assert not DueDiligenceRecord.objects.exists()


def test_a_file_just_over_the_limit_gets_the_field_message(cast, login, vendor, settings):
    settings.MAX_UPLOAD_BYTES = 200  # the PDF below is larger, its form is not much larger
    client = login(cast.bob)
    response = client.post(
        reverse("diligence_create", args=[vendor.pk]),
        {
            "kind": "soc2_type2",
            "performed_on": "2020-05-01",
            "period_end": "2019-12-31",
            "outcome": "satisfactory",
            "summary": "Kept.",
            "files": [SimpleUploadedFile("a.pdf", minimal_pdf("x"))],
        },
    )
    assert response.status_code == 200
    assert "too large" in " ".join(response.context["form"].errors["files"])
    assert "Kept." in response.content.decode()


def test_a_body_within_the_limit_reaches_the_form(cast, login, vendor, settings):
    client = login(cast.bob)
    response = client.post(
        reverse("diligence_create", args=[vendor.pk]),
        {
            "kind": "soc2_type2",
            "performed_on": "2020-05-01",
            "period_end": "2019-12-31",
            "outcome": "satisfactory",
            "summary": "Report received.",
            "files": [SimpleUploadedFile("soc2.pdf", minimal_pdf("SOC 2"))],
        },
    )
    assert response.status_code == 302
    assert DueDiligenceRecord.objects.get(vendor=vendor).files.count() == 1
