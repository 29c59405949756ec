"""Import the inventory from CSV/XLSX (preview, all-or-nothing, re-import updates) and export
it with the current filters, formula-escaped."""

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oversight.models import AuditEvent
from vendors.models import BusinessAssociate

from .factories import VendorFactory

HEADER = (
    "name,external_id,category,status,owner_email,phi_electronic,access_level,"
    "record_count,criticality,phi_types\n"
)


def csv_file(body: str, name="vendors.csv"):
    return SimpleUploadedFile(name, (HEADER + body).encode(), content_type="text/csv")


def upload(client, file):
    return client.post(reverse("vendor_import"), {"file": file})


def confirm(client, response):
    return client.post(reverse("vendor_import_confirm"), {"token": response.context["token"]})


GOOD = (
    "ChartWell EHR,EHR-1,ehr,onboarding,bob@a.test,yes,hosts,20000,high,demographics; clinical\n"
    "ShredRight,SHR-1,Shredding / records disposal,active,,no,none,,low,\n"
)


def test_good_file_previews_then_imports(cast, login):
    client = login(cast.bob)
    response = upload(client, csv_file(GOOD))
    preview = response.context["preview"]
    assert preview.ok and [r.outcome for r in preview.rows] == ["create", "create"]
    assert not BusinessAssociate.objects.exists(), "nothing is written before confirming"
    confirm(client, response)
    ehr = BusinessAssociate.objects.get(name="ChartWell EHR")
    assert (ehr.organization, ehr.owner, ehr.tier) == (cast.practice, cast.bob, "critical")
    assert ehr.phi_types == ["demographics", "clinical"]
    assert BusinessAssociate.objects.get(name="ShredRight").category == "shredding"
    # The import writes no reason on the user's behalf (tests/test_guards.py: the guard).
    assert ehr.activation_override_reason == ""


def test_bad_rows_are_all_reported_and_nothing_is_written(cast, login):
    client = login(cast.bob)
    body = GOOD + (
        ",X-1,ehr,active,,yes,hosts,10,high,\n"
        "Bad Vendor,X-2,spaceship,sometimes,olivia@b.test,maybe,hosts,-4,extreme,\n"
    )
    response = upload(client, csv_file(body))
    rows = response.context["preview"].rows
    assert [r.outcome for r in rows] == ["create", "create", "error", "error"]
    assert "name" in rows[2].errors
    assert set(rows[3].errors) >= {
        "category",
        "status",
        "owner_email",
        "phi_electronic",
        "record_count",
        "criticality",
    }
    assert "not a member of this practice" in " ".join(rows[3].errors["owner_email"])
    assert "Import 4 rows" not in response.text
    # A forged confirmation writes nothing either.
    client.post(reverse("vendor_import_confirm"), {"token": response.context["token"]})
    assert not BusinessAssociate.objects.exists()


def test_each_row_is_judged_on_its_own_cells_whatever_came_before(cast, login):
    # The rows' forms share their field objects (vendors.importing._SharedFields): a bad row
    # must not leave its errors or values on the rows after it.
    client = login(cast.bob)
    bad = "Bad Vendor,X-2,spaceship,sometimes,olivia@b.test,maybe,hosts,-4,extreme,\n"
    response = upload(client, csv_file(bad + GOOD + bad.replace("X-2", "X-3")))
    rows = response.context["preview"].rows
    assert [r.outcome for r in rows] == ["error", "create", "create", "error"]
    assert rows[1].errors == {} and rows[2].errors == {}
    assert set(rows[0].errors) == set(rows[3].errors) >= {"category", "phi_electronic"}
    response = upload(client, csv_file(GOOD))
    confirm(client, response)
    ehr = BusinessAssociate.objects.get(name="ChartWell EHR")
    shred = BusinessAssociate.objects.get(name="ShredRight")
    assert (ehr.phi_electronic, ehr.record_count, ehr.phi_types) == (
        True,
        20000,
        ["demographics", "clinical"],
    )
    assert (shred.phi_electronic, shred.record_count, shred.phi_types) == (False, None, [])


def test_reimport_updates_instead_of_duplicating(cast, login):
    client = login(cast.bob)
    confirm(client, upload(client, csv_file(GOOD)))
    changed = GOOD.replace("20000", "30000")
    response = upload(client, csv_file(changed))
    assert [r.outcome for r in response.context["preview"].rows] == ["update", "unchanged"]
    confirm(client, response)
    assert BusinessAssociate.objects.count() == 2
    assert BusinessAssociate.objects.get(external_id="EHR-1").record_count == 30000


def test_xlsx_import_and_template(cast, login):
    client = login(cast.bob)
    template = client.get(reverse("vendor_import_template", args=["xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert book.sheetnames == ["Vendors", "Allowed values"]
    header = [c.value for c in book["Vendors"][1]]
    assert header[0] == "name" and "access_level" in header
    # The template itself imports cleanly.
    response = upload(client, SimpleUploadedFile("t.xlsx", template.content))
    assert response.context["preview"].ok
    confirm(client, response)
    example = BusinessAssociate.objects.get()
    assert example.name.startswith("Example") and example.status == "prospective"


def test_unreadable_file_is_a_field_error(cast, login):
    response = upload(login(cast.bob), SimpleUploadedFile("x.pdf", b"%PDF-1.4 nope"))
    assert "file" in response.context["form"].errors


def test_viewer_and_anonymous_cannot_import(client, cast, login):
    assert client.get(reverse("vendor_import"))["Location"].startswith(reverse("account_login"))
    viewer = login(cast.charlie)
    assert viewer.post(reverse("vendor_import"), {"file": csv_file(GOOD)}).status_code == 403
    assert viewer.post(reverse("vendor_import_confirm"), {"token": "x"}).status_code == 403
    assert not BusinessAssociate.objects.exists()


def test_export_applies_filters_escapes_formulas_and_is_logged(cast, login):
    VendorFactory(organization=cast.practice, name='=HYPERLINK("http://evil")', notes="+1 call")
    VendorFactory(
        organization=cast.practice,
        name="Paper Only",
        access_level="none",
        phi_electronic=False,
        phi_paper=True,
    )
    VendorFactory(organization=cast.other_practice, name="Other Practice Vendor")
    client = login(cast.charlie)
    response = client.get(reverse("vendor_export", args=["csv"]) + "?tier=medium")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ['\'=HYPERLINK("http://evil")']
    assert rows[0]["notes"] == "'+1 call"
    everything = client.get(reverse("vendor_export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(everything.content)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "Paper Only" in names and "Other Practice Vendor" not in names
    assert AuditEvent.objects.filter(organization=cast.practice, action="exported").count() == 2


def test_export_needs_login(client, db):
    assert client.get(reverse("vendor_export", args=["csv"]))["Location"].startswith(
        reverse("account_login")
    )


def test_agreement_list_export_with_filters(cast, login, client):
    from datetime import date, timedelta

    from django.utils import timezone

    from .baas_factories import make_agreement, make_signed

    soon = VendorFactory(organization=cast.practice, name="@SUM(A1) Soon Co")
    make_signed(
        soon, effective_on=date(2024, 1, 1), expires_on=timezone.localdate() + timedelta(days=20)
    )
    later = VendorFactory(organization=cast.practice, name="Later Co")
    make_agreement(later)
    foreign = VendorFactory(organization=cast.other_practice, name="Foreign Co")
    make_agreement(foreign)

    viewer = login(cast.charlie)
    response = viewer.get(reverse("agreement_export", args=["csv"]) + "?expiring_within=30")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["vendor"] for r in rows] == ["'@SUM(A1) Soon Co"]
    assert rows[0]["status"] == "signed"
    book = openpyxl.load_workbook(
        io.BytesIO(viewer.get(reverse("agreement_export", args=["xlsx"])).content)
    )
    names = {row[0].value for row in book.active.iter_rows(min_row=2)}
    assert names == {"'@SUM(A1) Soon Co", "Later Co"}
    assert AuditEvent.objects.filter(organization=cast.practice, action="exported").count() == 2
    client.logout()
    assert client.get(reverse("agreement_export", args=["csv"]))["Location"].startswith(
        reverse("account_login")
    )


def test_export_takes_every_filter_of_the_list_including_baa_status_and_sort(cast, login):
    from datetime import date

    from .baas_factories import make_signed

    VendorFactory(organization=cast.practice, name="Gap Co")  # active, PHI, no BAA
    covered = VendorFactory(organization=cast.practice, name="Covered Co")
    make_signed(covered, effective_on=date(2024, 1, 1))
    client = login(cast.bob)
    query = "?baa=gap&sort=-tier"
    listed = [v.name for v in client.get(reverse("vendor_list") + query).context["page"]]
    response = client.get(reverse("vendor_export", args=["csv"]) + query)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == listed == ["Gap Co"]
    assert rows[0]["baa_status"] == "gap"


# --- encodings and size (issue 12) ---------------------------------------------------------------


def test_utf16_csv_with_a_byte_order_mark_imports(cast, login):
    client = login(cast.bob)
    body = HEADER + "Zoë Transcription,ZT-1,transcription,onboarding,,yes,limited,,low,\n"
    for encoding in ("utf-16", "utf-16-be", "utf-8-sig"):  # utf-16 writes the LE mark
        raw = body.encode(encoding)
        if encoding == "utf-16-be":
            raw = b"\xfe\xff" + raw
        response = upload(client, SimpleUploadedFile("v.csv", raw, content_type="text/csv"))
        assert response.status_code == 200, encoding
        preview = response.context["preview"]
        assert preview.ok, (encoding, response.context["form"].errors)
        assert [r.name for r in preview.rows] == ["Zoë Transcription"], encoding


def test_a_csv_that_cannot_be_decoded_is_refused_with_a_message(cast, login):
    client = login(cast.bob)
    raw = (HEADER + "Zoë,Z-1,billing,active,,yes,limited,,low,\n").encode("utf-16-le")  # no mark
    response = upload(client, SimpleUploadedFile("v.csv", raw, content_type="text/csv"))
    assert response.status_code == 200
    assert "cannot be read as text" in str(response.context["form"].errors["file"])
    assert not BusinessAssociate.objects.exists()


def xlsx_with_rows(count: int) -> bytes:
    """A real workbook (written by openpyxl) whose sheet is then given ``count`` rows of
    numbers directly in its XML, without a <dimension> element: seconds faster to build."""
    import zipfile

    book = openpyxl.Workbook()
    book.active.title = "Vendors"
    small = io.BytesIO()
    book.save(small)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>1</v></c></row>'
        for n in range(2, count + 2)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>category</t></is></c></row>'
        f"{rows}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            z.writestr(item.filename, data)
    return out.getvalue()


def test_a_200000_row_xlsx_is_refused_fast_at_the_row_limit(cast, login):
    import time

    from vendors.importing import MAX_ROWS

    big = xlsx_with_rows(200_000)
    buffer = io.BytesIO(big)
    assert len(buffer.getvalue()) < 5 * 1024 * 1024  # under the upload limit: the rows count
    client = login(cast.bob)
    started = time.perf_counter()
    response = upload(client, SimpleUploadedFile("big.xlsx", buffer.getvalue()))
    elapsed = time.perf_counter() - started
    assert f"At most {MAX_ROWS} rows" in str(response.context["form"].errors["file"])
    assert elapsed < 2.5, elapsed  # 9.7 s when the whole sheet was read
    assert not BusinessAssociate.objects.exists()
