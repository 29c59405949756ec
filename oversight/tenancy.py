"""How request code reaches a practice's rows.

- ``CurrentPracticeMiddleware`` sets ``request.membership`` and ``request.practice`` for the
  practice the user is working in (chosen with the switcher, remembered in the session).
- ``member_required`` / ``writer_required`` / ``admin_required`` guard views: anonymous users go
  to the login page, users without a practice go to "create a practice", read-only members get 403.
- ``get_for_member`` / ``get_rw_for_member`` fetch one object of the current practice or 404,
  whatever practice the id belongs to; the "rw" variant also refuses read-only members (403).

Request code never calls ``Model.objects.get(pk=...)`` on a tenant model.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .models import Membership

SESSION_KEY = "current_practice_id"


def _resolve_membership(request: HttpRequest) -> Membership | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("organization", "user")
    wanted = request.session.get(SESSION_KEY)
    if wanted is not None:
        chosen = memberships.filter(organization_id=wanted).first()
        if chosen is not None:
            return chosen
    chosen = memberships.order_by("created_at", "id").first()
    if chosen is not None:
        request.session[SESSION_KEY] = chosen.organization_id
    return chosen


class CurrentPracticeMiddleware:
    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        membership = SimpleLazyObject(lambda: _resolve_membership(request))
        request.membership = membership
        request.practice = SimpleLazyObject(lambda: membership.organization if membership else None)
        return self.get_response(request)


def current_membership(request: HttpRequest) -> Membership | None:
    membership = getattr(request, "membership", None)
    # Unwrap the lazy object so "is None" checks work.
    return membership if membership else None


def switch_practice(request: HttpRequest, organization_id: int) -> Membership:
    """Make another of the user's practices the current one (404 if not a member)."""
    membership = get_object_or_404(
        Membership.objects.select_related("organization"),
        user=request.user,
        organization_id=organization_id,
    )
    request.session[SESSION_KEY] = membership.organization_id
    request.membership = membership
    request.practice = membership.organization
    return membership


def member_required(view: Callable) -> Callable:
    """Logged in and a member of a practice; otherwise login page or "create a practice"."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if current_membership(request) is None:
            return redirect("practice_create")
        # Times on the practice's pages are in the practice's zone (and say which).
        with timezone.override(request.practice.tzinfo):
            return view(request, *args, **kwargs)

    return wrapper


def writer_required(view: Callable) -> Callable:
    """A member who may create and edit compliance records (admin or manager)."""

    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.membership.can_write:
            raise PermissionDenied("Your role in this practice is read-only.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: Callable) -> Callable:
    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.membership.is_admin:
            raise PermissionDenied("Only an admin of this practice can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def parse_id(raw) -> int | None:
    """A primary key (or a year) from a query string or a form: ASCII digits, at most 18 of
    them (a bigint); None for anything else, so a hostile value is a 404, never a 500."""
    raw = (raw or "").strip() if isinstance(raw, str) else ""
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 18 else None


def scoped(request: HttpRequest, model_or_qs: type[Model] | QuerySet) -> QuerySet:
    """The rows of the current practice, from a model or a queryset."""
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()
    return qs.filter(organization=request.practice)


def get_for_member(request: HttpRequest, model_or_qs, **lookup):
    """One object of the current practice, or 404 (also for another practice's objects)."""
    return get_object_or_404(scoped(request, model_or_qs), **lookup)


def get_rw_for_member(request: HttpRequest, model_or_qs, **lookup):
    """As ``get_for_member``, and 403 for a read-only member. 404 is checked first so that a
    read-only outsider learns nothing about the object's existence."""
    obj = get_for_member(request, model_or_qs, **lookup)
    if not request.membership.can_write:
        raise PermissionDenied("Your role in this practice is read-only.")
    return obj
