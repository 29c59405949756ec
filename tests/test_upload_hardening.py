"""Dangerous uploads are refused by oversight/files.py with a message on the form field, the
rest of the form kept, and nothing stored (no row, no file in the storage): PDFs with
JavaScript or automatic actions (also when the names are #xx-escaped or the object is not
referenced), PDF polyglots, office zip bombs and macros, GIF/JS and other image polyglots."""

import io
import struct
import time
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from baas.demo import minimal_pdf
from baas.models import AgreementDocument
from diligence.models import DueDiligenceRecord, EvidenceFile
from oversight.files import IMAGES, OFFICE, PDF, validate_upload

from .baas_factories import make_agreement

EVIDENCE = (PDF, IMAGES, OFFICE)


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def refusal(content: bytes, name="file.pdf", allowed=EVIDENCE) -> str:
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile(name, content), allowed=allowed)
    return " ".join(error.value.messages)


def accepted(content: bytes, name="file.pdf", allowed=EVIDENCE) -> str:
    return validate_upload(SimpleUploadedFile(name, content), allowed=allowed).content_type


# --- PDFs ------------------------------------------------------------------------------------


def rewritten(build) -> bytes:
    """The demo's one-page PDF rewritten by pypdf after ``build(writer)`` changed it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf("Business Associate"))))
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def _document_js(writer):
    """Document-level JavaScript (the /Names /JavaScript tree), run when the file opens."""
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {
                    NameObject("/Names"): ArrayObject(
                        [TextStringObject("hello"), _action("/JavaScript", JS="app.alert(1)")]
                    )
                }
            )
        }
    )


def _open_action(action):
    def build(writer):
        writer._root_object[NameObject("/OpenAction")] = action

    return build


def _page_aa(writer):
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action("/JavaScript", JS="app.alert(1)")}
    )


def _rich_media(writer):
    writer.add_annotation(
        0,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/RichMedia"),
                NameObject("/Rect"): ArrayObject([]),
            }
        ),
    )


@pytest.mark.parametrize(
    ("build", "said"),
    [
        (_document_js, "JavaScript"),
        (_open_action(_action("/JavaScript", JS="app.alert(1)")), "JavaScript"),
        (_open_action(_action("/Launch", F="cmd.exe")), "launches a program"),
        (lambda w: w.add_attachment("invoice.exe", b"MZ\x90\x00payload"), "embedded file"),
        (_page_aa, "automatic actions"),
        (_rich_media, "rich media"),
    ],
    ids=["names-javascript", "openaction-js", "launch", "embedded-file", "page-aa", "richmedia"],
)
def test_pdfs_with_code_or_automatic_actions_are_refused(build, said):
    message = refusal(rewritten(build))
    assert said in message and "Save as PDF" in message


def hand_pdf(catalog_extra: bytes = b"", extra_objects=()) -> bytes:
    """A one-page PDF written by hand, with entries added to its catalog and more objects
    (numbered from 5), so that names can be written escaped as an attacker would."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
        *extra_objects,
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, 2)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def test_escaped_names_and_unreferenced_objects_are_found_in_the_raw_bytes():
    assert accepted(hand_pdf()) == "application/pdf"
    # /J#61vaScript is /JavaScript and /J#53 is /JS once a reader decodes the names.
    escaped = hand_pdf(b"/OpenAction 5 0 R", [b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"])
    assert "JavaScript" in refusal(escaped)
    # An object nothing refers to is invisible to a walk from the catalog, not to the scan.
    orphan = hand_pdf(extra_objects=[b"<< /S /Launch /F (calc.exe) /L#61unch 1 >>"])
    assert "launches a program" in refusal(orphan)


def test_ordinary_pdf_features_are_still_accepted():
    # Open at page 1 (a destination, not an action), and a web link: both are common in
    # PDFs exported by Word and must not be refused.
    def build(writer):
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/Fit")]
        )
        writer.add_uri(0, "https://vendor.example/baa", [0, 0, 100, 20])

    assert accepted(rewritten(build)) == "application/pdf"
    assert accepted(minimal_pdf("BAA") + b"\r\n\n  ") == "application/pdf"


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.js", "WScript.Shell")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (minimal_pdf("BAA") + b"<html><script>alert(1)</script></html>", "after its end"),
        (minimal_pdf("BAA") + _zip_bytes(), "after its end"),
        (b"<html><body>hi</body></html>\n" + minimal_pdf("BAA"), "before its PDF header"),
        (minimal_pdf("BAA").replace(b"%%EOF\n", b""), "incomplete"),
        (
            minimal_pdf("BAA").replace(
                b"/Type /Catalog", b"/Type /Catalog /Note (<script>alert(1)</script>)"
            ),
            "web-page content",
        ),
    ],
    ids=["html-appended", "zip-appended", "html-before", "no-eof", "html-inside"],
)
def test_pdf_polyglots_are_refused(content, said):
    assert said in refusal(content)


def test_refused_pdf_keeps_the_form_and_stores_nothing(cast, login, vendor, storage):
    agreement = make_agreement(vendor)
    client = login(cast.bob)
    bad = SimpleUploadedFile("signed.pdf", rewritten(_document_js))
    response = client.post(
        reverse("agreement_document_upload", args=[agreement.pk]),
        {"file": bad, "kind": "amendment"},
    )
    assert response.status_code == 200
    assert "JavaScript" in " ".join(response.context["form"].errors["file"])
    page = response.content.decode()
    assert "This PDF contains JavaScript" in page
    assert '<option value="amendment" selected>' in page, "the other field keeps its value"
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


# --- office files ----------------------------------------------------------------------------


def zip_bomb(unpacked_mib: int = 1024) -> bytes:
    """A DOCX-shaped ZIP whose word/document.xml unpacks to ``unpacked_mib`` MiB of zeros
    (a real deflate stream with the right CRC), about 1 MB on disk. Built from one
    compressed MiB repeated, so making it does not take the time unpacking it would."""
    mib = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressor.compress(mib)
    compressor.flush(zlib.Z_FULL_FLUSH)  # the first block may differ from the repeated ones
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = head.compress(mib) + head.flush(zlib.Z_FULL_FLUSH)
    stream = first + block * (unpacked_mib - 1) + head.flush()
    crc = 0
    for _ in range(unpacked_mib):
        crc = zlib.crc32(mib, crc)
    members = [
        (b"[Content_Types].xml", b"<Types/>", None),
        (b"word/document.xml", stream, (crc, unpacked_mib << 20)),
    ]
    out = io.BytesIO()
    central = b""
    for name, data, big in members:
        if big is None:
            crc_m, size, method, packed = zlib.crc32(data), len(data), 0, data
        else:
            (crc_m, size), method, packed = big, 8, data
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3I2H",
                b"PK\x03\x04",
                20,
                0,
                method,
                0,
                0x21,
                crc_m,
                len(packed),
                size,
                len(name),
                0,
            )
            + name
            + packed
        )
        central += (
            struct.pack(
                "<4s6H3I5H2I",
                b"PK\x01\x02",
                20,
                20,
                0,
                method,
                0,
                0x21,
                crc_m,
                len(packed),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    out.write(central)
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 2, 2, len(central), start, 0))
    return out.getvalue()


def test_the_zip_bomb_helper_is_a_real_one():
    bomb = zip_bomb(unpacked_mib=8)  # small enough to unpack here
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.read("word/document.xml") == b"\0" * (8 << 20)  # the CRC checks out


def record_data(**extra):
    return {
        "kind": "soc2_type2",
        "performed_on": "2020-05-01",
        "period_end": "2019-12-31",
        "valid_until": "",
        "outcome": "satisfactory",
        "summary": "Unqualified opinion from the auditors.",
        **extra,
    }


def post_evidence(client, vendor, *files):
    return client.post(
        reverse("diligence_create", args=[vendor.pk]), record_data(files=list(files))
    )


def test_a_zip_bomb_docx_is_refused_quickly_without_unpacking(cast, login, vendor, storage):
    bomb = zip_bomb()
    assert len(bomb) < 1_200_000, "about 1 MB on disk for 1 GiB unpacked"
    client = login(cast.bob)
    started = time.monotonic()
    response = post_evidence(client, vendor, SimpleUploadedFile("policy.docx", bomb))
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    page = response.content.decode()
    assert "would unpack to 1.0\xa0GB" in page and "zip bomb" in page
    # Unpacking 1 GiB takes seconds; reading the directory takes milliseconds.
    assert elapsed < 1.5, f"took {elapsed:.2f} s"
    assert "Unqualified opinion from the auditors." in page, "the rest of the form is kept"
    assert not DueDiligenceRecord.objects.exists() and not EvidenceFile.objects.exists()
    assert stored_files(storage) == []


def test_office_files_with_too_many_parts_or_macros_are_refused():
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for n in range(2500):
            archive.writestr(f"word/media/p{n}.xml", "")
    assert "too many parts (2501" in refusal(many.getvalue(), "many.docx")
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    assert "macros" in refusal(macro.getvalue(), "policy.docx")
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document>" + "policy text " * 5000 + "</document>")
    assert accepted(plain.getvalue(), "policy.docx").endswith("wordprocessingml.document")


# --- images ----------------------------------------------------------------------------------


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def gif_js_polyglot() -> bytes:
    """GIF89a, then width bytes that open a JavaScript comment (/*), a real image, and the
    script after the comment closes: a browser loading it as a script runs alert()."""
    gif = bytearray(image_bytes("GIF"))
    gif[6:8] = b"/*"
    return bytes(gif) + b"*/=1;alert(document.domain);//"


def test_real_images_are_accepted():
    for fmt, ctype in [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif")]:
        assert accepted(image_bytes(fmt), f"scan.{fmt.lower()}") == ctype


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (gif_js_polyglot(), "cannot be accepted"),
        (image_bytes("PNG") + b"<script>alert(1)</script>", "web-page content"),
        (image_bytes("JPEG") + _zip_bytes(), "ZIP archive"),
        (image_bytes("GIF") + b"trailing payload", "after the end of the picture"),
        (b"GIF89a" + b"\x00" * 40, "damaged"),
    ],
    ids=["gif-js", "png-script", "jpeg-zip", "gif-trailing", "gif-garbage"],
)
def test_image_polyglots_are_refused(content, said):
    assert said in refusal(content, "evidence.gif")


def test_gif_js_polyglot_evidence_is_refused_and_nothing_is_stored(cast, login, vendor, storage):
    client = login(cast.bob)
    response = post_evidence(
        client,
        vendor,
        SimpleUploadedFile("report.pdf", minimal_pdf("SOC 2 report")),
        SimpleUploadedFile("screenshot.gif", gif_js_polyglot(), content_type="image/gif"),
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["files"])
    assert "also a script" in errors
    assert "Unqualified opinion from the auditors." in response.content.decode()
    # The good PDF before it was not stored either: all files are checked first.
    assert not DueDiligenceRecord.objects.exists() and not EvidenceFile.objects.exists()
    assert stored_files(storage) == []
