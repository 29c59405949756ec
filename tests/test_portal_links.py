"""The private-link API (``portal/links.py``): only the token's hash is stored; unknown,
malformed, expired, revoked and other-purpose tokens are refused alike; every use is in the
practice's activity log; guessing is rate-limited."""

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from oversight.choices import AuditAction
from oversight.models import AuditEvent
from portal.links import (
    link_issue,
    link_record_access,
    link_resolve,
    link_revoke,
    portal_rate_limited,
)
from portal.models import AccessLink


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _issue(cast, vendor, *, purpose="questionnaire", days=14):
    return link_issue(
        organization=cast.practice,
        vendor=vendor,
        purpose=purpose,
        email="security@vendor.test",
        expires_at=timezone.now() + timedelta(days=days),
        created_by=cast.bob.user,
    )


def test_only_the_hash_of_the_token_is_stored(cast, vendor):
    link, token = _issue(cast, vendor)
    assert len(token) == 43
    stored = AccessLink.objects.get(pk=link.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = AccessLink.objects.filter(pk=link.pk).values()[0]
    assert token not in str(row)
    assert token not in str(list(AccessLink.history.filter(id=link.pk).values()))


def test_a_usable_token_resolves_and_records_the_opening(cast, vendor):
    link, token = _issue(cast, vendor)
    assert link.last_opened_at is None
    found = link_resolve(token, purpose="questionnaire")
    assert found == link and found.vendor == vendor and found.organization == cast.practice
    link.refresh_from_db()
    assert link.last_opened_at is not None


@pytest.mark.parametrize(
    "case", ["unknown", "malformed", "tampered", "expired", "revoked", "other"]
)
def test_refused_tokens_all_answer_404(cast, vendor, case):
    link, token = _issue(cast, vendor)
    raw, purpose = token, "questionnaire"
    if case == "unknown":
        raw = "A" * 43
    elif case == "malformed":
        raw = token + "'; DROP TABLE"
    elif case == "tampered":
        raw = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif case == "expired":
        AccessLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    elif case == "revoked":
        link_revoke(link=link, by=cast.bob.user)
    elif case == "other":
        purpose = "signature"
    with pytest.raises(Http404) as refused:
        link_resolve(raw, purpose=purpose)
    assert str(refused.value) == "No such page."  # the same answer whatever the reason
    link.refresh_from_db()
    assert link.last_opened_at is None


def test_revoking_records_who_and_keeps_the_first_time(cast, vendor):
    link, _ = _issue(cast, vendor)
    link_revoke(link=link, by=cast.bob.user)
    first = link.revoked_at
    link_revoke(link=link, by=cast.alice.user)
    link.refresh_from_db()
    assert link.revoked_at == first and link.revoked_by == cast.bob.user
    assert not link.is_usable


def test_a_link_cannot_be_issued_for_another_practices_vendor(cast, vendor):
    with pytest.raises(ValueError):
        link_issue(
            organization=cast.other_practice,
            vendor=vendor,
            purpose="questionnaire",
            email="x@vendor.test",
            expires_at=timezone.now() + timedelta(days=1),
            created_by=cast.olivia.user,
        )


def test_each_access_is_in_the_practices_activity_log_with_ip_and_no_token(cast, vendor):
    link, token = _issue(cast, vendor)
    request = RequestFactory().get(f"/portal/{token}/", REMOTE_ADDR="203.0.113.9")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    link_record_access(link=link, request=request, action="opened")
    event = AuditEvent.objects.get(action=AuditAction.PRIVATE_LINK)
    assert event.organization == cast.practice
    assert event.ip_address == "203.0.113.9"
    assert event.email == "security@vendor.test"
    assert event.details["link_action"] == "opened"
    assert token not in str(event.details) + event.object_repr


def _view():
    @portal_rate_limited
    def view(request, token):
        link_resolve(token, purpose="questionnaire")
        return HttpResponse("questions")

    return view


def test_guessing_tokens_is_rate_limited(cast, vendor, settings):
    settings.PORTAL_LINK_FAILED_RATE = "5/h"
    _, token = _issue(cast, vendor)
    view = _view()
    factory = RequestFactory()
    for attempt in range(5):
        with pytest.raises(Http404):
            view(factory.get("/", REMOTE_ADDR="198.51.100.7"), "B" * 42 + str(attempt % 10))
    # Over the limit: 429, even for the right token, with nothing of the practice.
    blocked = view(factory.get("/", REMOTE_ADDR="198.51.100.7"), token)
    assert blocked.status_code == 429
    assert b"Too many" in blocked.content and cast.practice.name.encode() not in blocked.content
    # Another address is not affected.
    assert view(factory.get("/", REMOTE_ADDR="198.51.100.8"), token).content == b"questions"


def test_every_request_counts_against_the_overall_limit(cast, vendor, settings):
    settings.PORTAL_LINK_RATE = "3/m"
    _, token = _issue(cast, vendor)
    view = _view()
    factory = RequestFactory()
    answers = [view(factory.get("/", REMOTE_ADDR="198.51.100.9"), token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]


# --- whose address: X-Forwarded-For only as far as the deployment's own proxies write it -------


def _opened(cast, vendor, **meta):
    from django.contrib.auth.models import AnonymousUser

    link, token = _issue(cast, vendor)
    request = RequestFactory().get(f"/portal/{token}/", **meta)
    request.user = AnonymousUser()
    link_record_access(link=link, request=request, action="opened")
    return AuditEvent.objects.filter(action=AuditAction.PRIVATE_LINK).latest("pk")


def test_a_forwarded_for_header_sent_by_the_client_is_not_believed(cast, vendor, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    event = _opened(cast, vendor, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert event.ip_address == "203.0.113.9"


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(cast, vendor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged "1.2.3.4"; the proxy appended the address it saw.
    event = _opened(
        cast, vendor, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20"
    )
    assert event.ip_address == "198.51.100.20"
    # Not an address at all: nothing stored, no crash on the inet column.
    event = _opened(cast, vendor, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="foo")
    assert event.ip_address is None


def test_behind_a_proxy_each_vendor_has_its_own_rate_limit(cast, vendor, settings):
    """Every request reaches the app from the proxy's 127.0.0.1: the limit must still be per
    client, or one guesser would lock every vendor out of its link."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PORTAL_LINK_FAILED_RATE = "3/h"
    _, token = _issue(cast, vendor)
    view = _view()
    factory = RequestFactory()

    def get(client, tok):
        return view(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client), tok)

    for attempt in range(3):
        with pytest.raises(Http404):
            get("198.51.100.66", "C" * 42 + str(attempt))
    assert get("198.51.100.66", token).status_code == 429
    assert get("198.51.100.67", token).content == b"questions"
