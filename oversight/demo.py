"""Demo practices and people for ``seed_demo``. Every app may have a ``demo`` module with a
``seed(practice, people)`` function; the command calls them in INSTALLED_APPS order (lowest app
first), so each app seeds its own records without lower apps importing higher ones."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from .choices import Role
from .models import Membership, Organization

DEMO_PASSWORD = "demo-Oversight-2026"

PRACTICES = [
    {
        "slug": "riverside",
        "name": "Riverside Family Medicine",
        "timezone": "America/Chicago",
        "contact_name": "Dana Whitfield (privacy officer)",
        "contact_email": "privacy@riverside.example",
    },
    {
        "slug": "lakeview",
        "name": "Lakeview Pediatrics",
        "timezone": "America/Los_Angeles",
        "contact_name": "Sam Ortiz (practice manager)",
        "contact_email": "office@lakeview.example",
    },
]
PEOPLE = [
    (Role.ADMIN, "admin", "Avery", "Admin"),
    (Role.MANAGER, "manager", "Morgan", "Manager"),
    (Role.VIEWER, "viewer", "Val", "Viewer"),
]


@dataclass
class DemoPractice:
    practice: Organization
    admin: Membership
    manager: Membership
    viewer: Membership


def _user(email: str, first: str, last: str):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_people() -> list[tuple[DemoPractice, list[str]]]:
    """Create (or find) the demo practices and one user of each role in each."""
    result = []
    for spec in PRACTICES:
        details = {k: v for k, v in spec.items() if k != "slug"}
        practice, _ = Organization.objects.get_or_create(name=spec["name"], defaults=details)
        members = {}
        emails = []
        for role, key, first, last in PEOPLE:
            email = f"{key}@{spec['slug']}.example"
            user = _user(email, first, last)
            members[key], _ = Membership.objects.get_or_create(
                user=user, organization=practice, defaults={"role": role}
            )
            emails.append(email)
        result.append((DemoPractice(practice, **members), emails))
    # A consultant who looks after both practices shows the practice switcher.
    consultant = _user("consultant@example.com", "Casey", "Consultant")
    for demo, emails in result:
        Membership.objects.get_or_create(
            user=consultant, organization=demo.practice, defaults={"role": Role.MANAGER}
        )
        emails.append("consultant@example.com")
    return result
