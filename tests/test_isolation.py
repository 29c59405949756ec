"""Isolation checks that cover new views automatically.

Walks the whole URL configuration. Every pattern that names an object is built for an object
of practice A (the demo practice Riverside) and requested as the admin of practice B (404 or
405, and nothing changes in the database), anonymously (sent to the login page) and, for
writes, as a viewer of practice A (403). Every page without an identifier is requested
anonymously too. A pattern the walker cannot build, or a public pattern nobody declared, makes
the test fail with its name: a new view must be covered here, not forgotten.
"""

import hashlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import URLResolver, get_resolver, reverse

from baas.models import AgreementDocument, BusinessAssociateAgreement
from binder.models import BinderExport
from diligence.models import (
    DispositionCertificate,
    DueDiligenceRecord,
    EvidenceFile,
    FollowUpAction,
)
from generator.models import GeneratedAgreement
from generator.services import baa_generate
from incidents.models import VendorIncident
from oversight.models import Invitation, Membership, Organization
from portal.models import PortalFile, PracticeQuestionnaire, QuestionnaireRequest
from reminders.models import Reminder
from vendors.models import BusinessAssociate, Subcontractor, VendorContact

# Patterns anyone may open (they carry their own secret or are the sign-in machinery).
PUBLIC = {
    "healthz",
    "favicon",
    "calendar_feed",
    "invitation_accept",
    "session_keepalive",
    # The vendor's signatory, through a private link (``portal.links``; tests in
    # tests/test_generator_signature.py).
    "sign_page",
    "sign_document",
    "sign_signed_copy",
    "portal_answer",  # the vendor's private link (tests/test_portal_security.py)
}
SKIP_PREFIXES = ("admin/", "accounts/")

# Views with an identifier that a read-only member may open (a POST to them changes nothing:
# the database fingerprint checks it). Every other view with an identifier is a write: a viewer
# gets 403 on GET and POST. Add a new read-only view here on purpose.
READ_VIEWS = {
    "object_history",
    "vendor_detail",
    "agreement_detail",
    "agreement_document_download",
    "reader_panel",
    "evidence_download",
    "certificate_download",
    "baa_generated_docx",
    "baa_comparison_memo",
    "incident_detail",
    "portal_request_detail",
    "portal_file_download",
}
# Pages a viewer may read but not submit: GET 200, POST 403.
READ_WRITE_VIEWS = {"action_edit"}

# Pages without an identifier that a viewer may not use (GET or POST).
WRITE_PAGES = {
    "vendor_create",
    "agreement_create",
    "vendor_import",
    "vendor_import_confirm",
    "binder_page",
    "incident_create",
    "portal_questionnaire_copy",
}


def _first(qs, what):
    obj = qs.order_by("pk").first()
    assert obj is not None, f"the demo data has no {what} in practice A"
    return obj


def build_kwargs(name: str, route: str, practice) -> dict | None:
    """kwargs naming an object of ``practice`` for a URL pattern, or None if unknown."""
    org = practice
    vendor_with = {
        "contact_pk": lambda: _first(VendorContact.objects.filter(organization=org), "contact"),
        "sub_pk": lambda: _first(Subcontractor.objects.filter(organization=org), "subcontractor"),
    }
    if name == "object_history":
        vendor = _first(BusinessAssociate.objects.filter(organization=org), "vendor")
        return {"app_label": "vendors", "model_name": "businessassociate", "pk": vendor.pk}
    if name == "binder_download":
        return {
            "pk": _first(BinderExport.objects.filter(organization=org), "binder").pk,
            "kind": "pdf",
        }
    by_prefix = [
        ("vendors/<int:pk>", lambda: BusinessAssociate.objects.filter(organization=org)),
        ("agreements/documents/", lambda: AgreementDocument.objects.filter(organization=org)),
        (
            "agreements/<int:pk>",
            lambda: BusinessAssociateAgreement.objects.filter(organization=org),
        ),
        ("diligence/files/", lambda: EvidenceFile.objects.filter(organization=org)),
        ("diligence/<int:pk>", lambda: DueDiligenceRecord.objects.filter(organization=org)),
        (
            "offboarding/certificates/",
            lambda: DispositionCertificate.objects.filter(organization=org),
        ),
        ("our-baa/<int:pk>", lambda: GeneratedAgreement.objects.filter(organization=org)),
        ("actions/<int:pk>", lambda: FollowUpAction.objects.filter(organization=org)),
        ("reminders/<int:pk>", lambda: Reminder.objects.filter(organization=org)),
        ("incidents/<int:pk>", lambda: VendorIncident.objects.filter(organization=org)),
        ("binder/<int:pk>", lambda: BinderExport.objects.filter(organization=org)),
        (
            "portal/requests/<int:pk>",
            lambda: QuestionnaireRequest.objects.filter(organization=org),
        ),
        ("portal/files/", lambda: PortalFile.objects.filter(organization=org)),
        (
            "portal/questionnaires/<int:pk>",
            lambda: PracticeQuestionnaire.objects.filter(organization=org),
        ),
        ("practice/members/<int:pk>", lambda: Membership.objects.filter(organization=org)),
        ("practice/invitations/<int:pk>", lambda: Invitation.objects.filter(organization=org)),
    ]
    for prefix, queryset in by_prefix:
        if route.startswith(prefix):
            kwargs = {"pk": _first(queryset(), prefix).pk}
            for extra, get in vendor_with.items():
                if f"<int:{extra}>" in route:
                    obj = get()
                    kwargs["pk"] = obj.vendor_id
                    kwargs[extra] = obj.pk
            return kwargs
    return None


def patterns():
    def walk(items, prefix=""):
        for item in items:
            if isinstance(item, URLResolver):
                yield from walk(item.url_patterns, prefix + str(item.pattern))
            else:
                route = prefix + str(item.pattern)
                yield route.lstrip("^"), item.name, list(item.pattern.regex.groupindex)

    return [p for p in walk(get_resolver().url_patterns) if not p[0].startswith(SKIP_PREFIXES)]


def fingerprint() -> str:
    """A hash of every row of the product's tables. Excluded: sessions, and the access log
    (a viewer's download is rightly recorded there)."""
    digest = hashlib.sha256()
    labels = {
        "oversight", "vendors", "baas", "diligence", "reminders", "binder", "dashboard", "reader",
        "generator",
        "incidents",
        "portal",
    }  # fmt: skip
    for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
        if model._meta.app_label not in labels or model._meta.model_name == "auditevent":
            continue
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    call_command("seed_demo")
    practice = Organization.objects.get(name="Riverside Family Medicine")
    call_command("send_reminders", practice=practice.pk)
    Invitation.objects.create(
        organization=practice,
        email="new@x.test",
        role="viewer",
        token_hash="x" * 64,
        expires_at="2099-01-01T00:00Z",
    )
    BinderExport.objects.create(
        organization=practice, as_of="2026-01-01", period_start="2025-01-01", status="done"
    )
    baa_generate(
        vendor=BusinessAssociate.objects.filter(organization=practice).order_by("pk").first(),
        actor=None,
    )
    outsider = Membership.objects.get(user__email="admin@lakeview.example")
    viewer = Membership.objects.get(user__email="viewer@riverside.example")
    return practice, outsider, viewer


def test_every_pattern_is_covered(client, world):
    practice, outsider, viewer = world
    unbuildable, leaks, anonymous_open, viewer_writes = [], [], [], []
    object_urls = []
    for route, name, groups in patterns():
        if name in PUBLIC or groups == ["fmt"]:
            continue  # formats are checked below
        if groups:
            kwargs = build_kwargs(name, route, practice)
            if kwargs is None or set(kwargs) != set(groups):
                unbuildable.append(name)
                continue
            url = reverse(name, kwargs=kwargs)
            object_urls.append((name, url))
        else:
            url = reverse(name)
        response = client.get(url)
        if response.status_code == 405:  # POST-only: the POST must ask to sign in
            response = client.post(url)
        if not (response.status_code == 302 and "/accounts/login/" in response["Location"]):
            anonymous_open.append((name, response.status_code))
    # Export/template patterns take a format, not an object.
    for _route, name, groups in patterns():
        if groups == ["fmt"]:
            response = client.get(reverse(name, args=["csv"]))
            if not (response.status_code == 302 and "/accounts/login/" in response["Location"]):
                anonymous_open.append((name, response.status_code))

    before = fingerprint()
    client.force_login(outsider.user)
    for name, url in object_urls:
        for method in ("get", "post"):
            status = getattr(client, method)(url, {"name": "x", "role": "admin"}).status_code
            if status not in (404, 405):
                leaks.append((name, method, status))
    assert fingerprint() == before, "a member of another practice changed practice A's data"

    client.force_login(viewer.user)
    for name, url in object_urls:
        if name in READ_VIEWS | READ_WRITE_VIEWS:
            status = client.get(url).status_code
            if status != 200:
                viewer_writes.append((name, "get", status, "a read view must open for a viewer"))
            if name in READ_VIEWS:
                continue
        for method in ("post",) if name in READ_WRITE_VIEWS else ("get", "post"):
            status = getattr(client, method)(url, {"name": "x"}).status_code
            if status not in (403, 405):
                viewer_writes.append((name, method, status))
    for name in WRITE_PAGES:
        for method in ("get", "post"):
            status = getattr(client, method)(reverse(name), {}).status_code
            if status not in (403, 405):
                viewer_writes.append((name, method, status))
    assert fingerprint() == before, "a viewer changed data"

    assert not unbuildable, f"cover these patterns in build_kwargs: {unbuildable}"
    assert not anonymous_open, f"open to anonymous users: {anonymous_open}"
    assert not leaks, f"another practice's admin reached practice A's objects: {leaks}"
    assert not viewer_writes, f"read-only member could write: {viewer_writes}"
