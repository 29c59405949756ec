"""Nothing in a compliance record is hard-deleted (164.316(b)(2)(i), 164.530(j)(2)): not through
any page of the product, not through the Django admin. Contacts and subcontractors are ended,
control answers superseded, everything else archived; the history keeps the rest.

The walk covers every compliance model: every tenant model and every model whose changes
django-simple-history records. A new model is covered without being named here."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models.signals import pre_delete
from django.test import RequestFactory
from django.urls import reverse
from simple_history.models import registered_models

from diligence.models import ControlAnswer
from diligence.services import diligence_record_save
from oversight.models import Membership, TenantModel
from vendors.models import Subcontractor, VendorContact

from .diligence_factories import DiligenceFactory
from .factories import ContactFactory
from .test_isolation import PUBLIC, build_kwargs, patterns, world  # noqa: F401 (fixture)

# Membership is access to the product, not a record of the oversight: removing a member ends
# their access (the history table keeps who was a member, with which role, and when).
ACCESS_NOT_RECORD = {Membership}


def compliance_models() -> list:
    history = {m for m in registered_models.values() if not m._meta.auto_created}
    tenant = {m for m in apps.get_models() if issubclass(m, TenantModel)}
    return sorted(history | tenant, key=lambda m: m._meta.label)


def test_the_walk_finds_the_compliance_models():
    labels = {m._meta.label for m in compliance_models()}
    assert {
        "vendors.VendorContact",
        "vendors.Subcontractor",
        "diligence.ControlAnswer",
        "baas.BusinessAssociateAgreement",
        "oversight.Organization",
    } <= labels


@pytest.fixture
def superuser(db):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from .factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())  # staff need a second factor for the admin
    return staff


def test_the_admin_cannot_delete_any_compliance_record(client, superuser):
    client.force_login(superuser)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    registered = admin.site._registry
    problems = []
    for model in compliance_models():
        model_admin = registered.get(model)
        if model_admin is not None:
            if model_admin.has_delete_permission(request):
                problems.append((model._meta.label, "has_delete_permission"))
            if "delete_selected" in model_admin.get_actions(request):
                problems.append((model._meta.label, "delete_selected action"))
        # Inlines of any admin showing this model.
        for parent in registered.values():
            for inline in parent.get_inline_instances(request):
                if inline.model is model and inline.has_delete_permission(request):
                    problems.append((model._meta.label, f"inline of {parent}"))
    assert not problems, problems


def test_a_post_to_the_admin_delete_page_is_refused(client, superuser, cast):
    contact = ContactFactory(organization=cast.practice, vendor__organization=cast.practice)
    client.force_login(superuser)
    for model, obj in ((VendorContact, contact), (type(cast.practice), cast.practice)):
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[obj.pk]
        )
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()
    changelist = reverse("admin:vendors_vendorcontact_changelist")
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [contact.pk], "post": "yes"}
    )
    assert VendorContact.objects.filter(pk=contact.pk).exists(), response.status_code


def test_no_page_of_the_product_deletes_a_compliance_record(client, world):  # noqa: F811
    """Every URL, requested (GET and POST) as the practice's admin, deletes nothing. A deletion
    anywhere, cascades included, is caught by a pre_delete receiver on every model walked."""
    practice, _outsider, _viewer = world
    admin_member = Membership.objects.filter(organization=practice, role="admin").first()
    deleted = []

    def caught(sender, instance, **kwargs):
        deleted.append((sender._meta.label, instance.pk))

    watched = [m for m in compliance_models() if m not in ACCESS_NOT_RECORD]
    for model in watched:
        pre_delete.connect(caught, sender=model, weak=False, dispatch_uid=f"kept-{model}")
    try:
        assert not [name for _, name, _ in patterns() if name and "delete" in name]
        client.force_login(admin_member.user)
        # Only deletions matter here; other failures are other tests' business.
        client.raise_request_exception = False
        for route, name, groups in patterns():
            if name in PUBLIC or name in ("account_logout", "membership_remove"):
                continue
            if groups == ["fmt"]:
                continue
            kwargs = build_kwargs(name, route, practice) if groups else {}
            if kwargs is None:
                continue
            url = reverse(name, kwargs=kwargs)
            client.get(url)
            client.post(url, {"name": "x", "confirm": "yes", "post": "yes"})
            client.force_login(admin_member.user)  # a page may sign out or switch practice
    finally:
        for model in watched:
            pre_delete.disconnect(sender=model, dispatch_uid=f"kept-{model}")
    assert not deleted, f"deleted through a page: {deleted}"


def test_ending_a_contact_and_a_subcontractor_keeps_them_as_former(cast, login, vendor):
    contact = ContactFactory(vendor=vendor, name="Dana Former")
    sub = Subcontractor.objects.create(
        organization=cast.practice, vendor=vendor, name="Offsite Scans LLC"
    )
    client = login(cast.bob)
    today = cast.practice.today()
    response = client.post(reverse("contact_end", args=[vendor.pk, contact.pk]))
    assert response.status_code == 302
    response = client.post(
        reverse("subcontractor_end", args=[vendor.pk, sub.pk]),
        {"ended_on": (today - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    sub.refresh_from_db()
    assert contact.ended_on == today and sub.ended_on == today - timedelta(days=3)
    page = client.get(vendor.get_absolute_url()).content.decode()
    former = page.split('id="former-contacts"')[1].split("</ul>")[0]
    assert "Dana Former" in former and today.isoformat() in former
    former_subs = page.split('id="former-subcontractors"')[1].split("</ul>")[0]
    assert "Offsite Scans LLC" in former_subs
    current = page.split('id="contacts-h"')[1].split("Former contacts")[0]
    assert "Dana Former" not in current


def test_an_end_date_in_the_future_is_refused(cast, login, vendor):
    contact = ContactFactory(vendor=vendor)
    future = cast.practice.today() + timedelta(days=2)
    client = login(cast.bob)
    response = client.post(
        reverse("contact_end", args=[vendor.pk, contact.pk]),
        {"ended_on": future.isoformat()},
        follow=True,
    )
    assert "cannot be in the future" in response.content.decode()
    contact.refresh_from_db()
    assert contact.ended_on is None


def test_viewer_and_outsider_cannot_end_a_contact(cast, login, vendor):
    contact = ContactFactory(vendor=vendor)
    url = reverse("contact_end", args=[vendor.pk, contact.pk])
    assert login(cast.charlie).post(url).status_code == 403
    assert login(cast.olivia).post(url).status_code == 404
    contact.refresh_from_db()
    assert contact.ended_on is None


def test_a_changed_or_withdrawn_control_answer_is_superseded_not_deleted(cast, vendor):
    record = DiligenceFactory(vendor=vendor, kind="questionnaire")
    save = diligence_record_save
    save(record=record, actor=None, controls={"mfa": ("no", ""), "edr": ("yes", "")})
    save(record=record, actor=None, controls={"mfa": ("yes", "rolled out"), "edr": ("", "")})
    rows = ControlAnswer.objects.filter(record=record).order_by("id")
    assert [(r.control, r.answer, r.superseded_at is not None) for r in rows] == [
        ("mfa", "no", True),
        ("edr", "yes", True),
        ("mfa", "yes", False),
    ]


def test_the_binder_keeps_former_contacts_and_subcontractors(cast, vendor):
    import html

    from django.template.loader import render_to_string

    from binder import builder
    from vendors.services import contact_end, subcontractor_end

    today = cast.practice.today()
    contact = ContactFactory(vendor=vendor, name="Dana Former")
    sub = Subcontractor.objects.create(
        organization=cast.practice, vendor=vendor, name="Offsite Scans LLC"
    )
    contact_end(contact=contact, actor=None, ended_on=today)
    subcontractor_end(subcontractor=sub, actor=None, ended_on=today)
    data = builder.gather(cast.practice, today, today - timedelta(days=30))
    page = html.unescape(
        render_to_string(
            "binder/binder.html",
            {"data": data, "site_url": "", "footer_name": ""}
            | {"part": "vendors", "group": data.vendors, "first_group": True},
        )
    )
    assert "Dana Former" in page and f"(former contact, until {today:%Y-%m-%d})" in page
    assert "Offsite Scans LLC" in page
    assert f"(former subcontractor, until {today:%Y-%m-%d})" in page
