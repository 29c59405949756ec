"""The standing cast: practice A with alice (admin), bob (manager) and charlie (viewer);
practice B with olivia (admin), the outsider."""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings

from oversight.choices import Role

from .factories import MembershipFactory, OrganizationFactory, UserFactory, VendorFactory

REQUIRE_SERVICES = bool(os.environ.get("TEST_REQUIRE_SERVICES"))


def pytest_sessionstart(session):
    if REQUIRE_SERVICES:
        engine = settings.DATABASES["default"]["ENGINE"]
        assert "postgresql" in engine, f"CI must test on PostgreSQL, not {engine}"


@dataclass
class Cast:
    practice: object
    other_practice: object
    alice: object  # admin of practice
    bob: object  # manager of practice
    charlie: object  # viewer of practice
    olivia: object  # admin of other_practice

    @property
    def members(self):
        return {"admin": self.alice, "manager": self.bob, "viewer": self.charlie}


@pytest.fixture
def cast(db):
    practice = OrganizationFactory(name="Practice A")
    other = OrganizationFactory(name="Practice B")
    return Cast(
        practice=practice,
        other_practice=other,
        alice=MembershipFactory(
            organization=practice, role=Role.ADMIN, user=UserFactory(email="alice@a.test")
        ),
        bob=MembershipFactory(
            organization=practice, role=Role.MANAGER, user=UserFactory(email="bob@a.test")
        ),
        charlie=MembershipFactory(
            organization=practice, role=Role.VIEWER, user=UserFactory(email="charlie@a.test")
        ),
        olivia=MembershipFactory(
            organization=other, role=Role.ADMIN, user=UserFactory(email="olivia@b.test")
        ),
    )


@pytest.fixture
def vendor(cast):
    return VendorFactory(organization=cast.practice, name="ChartWell EHR")


@pytest.fixture
def login(client):
    def _login(membership):
        client.force_login(membership.user)
        return client

    return _login


# --- browser ---------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not CHROMIUM:
        if REQUIRE_SERVICES:
            pytest.fail("chromium is required under CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail("REDIS_URL is required under CI")
        pytest.skip("Redis is not reachable")
    return url


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
