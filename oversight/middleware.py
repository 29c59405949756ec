"""Request-wide security and logging middleware.

- ``RequestLogMiddleware``: one JSON log line per request on the ``oversight.request`` logger:
  method, the URL *pattern* (never the query string, form data or identifiers that could be
  secrets, such as invitation or calendar tokens), status, duration, user id and practice id.
  It never writes to the database and never evaluates the current practice itself.
- ``RequestSizeLimitMiddleware``: a request whose declared body (``Content-Length``) is larger
  than ``settings.MAX_UPLOAD_BYTES`` (plus 64 KiB for the form's other fields and the
  multipart framing) is answered 413 at once, before anything reads the body (it sits before
  the session, CSRF and form parsing in ``MIDDLEWARE``). A file just over the limit still
  reaches its form, which says so on the field and keeps the rest of the input.
- ``RequireMFAMiddleware``: a member of a practice that requires two-factor authentication (or
  a staff user) who has not enrolled is sent to the enrolment page before anything else
  (164.312(d)).
- ``idle_logoff``: a context processor giving the pages the idle-logoff figures for the
  warning shown by ``static/js/idle.js``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import empty
from django_htmx.http import HttpResponseClientRedirect

from .models import Membership
from .tenancy import SESSION_KEY as PRACTICE_SESSION_KEY

request_log = logging.getLogger("oversight.request")

# Unresolved paths (404s) are logged raw but cut short: they are whatever a client typed.
_MAX_RAW_PATH = 120


def _evaluated(lazy) -> object | None:
    """The object behind a SimpleLazyObject if something already evaluated it, else None."""
    wrapped = getattr(lazy, "_wrapped", None)
    if wrapped is None or wrapped is empty:
        return None
    return wrapped


def _session_value(request: HttpRequest, key: str):
    session = getattr(request, "session", None)
    if session is None:
        return None
    try:
        return session.get(key)
    except Exception:  # a broken session store must not break the log line
        return None


def request_log_fields(request: HttpRequest, response: HttpResponse, duration: float) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        path = "/" + match.route.lstrip("^") if match.route else request.path_info
        view = match.view_name
    else:
        path, view = request.path_info[:_MAX_RAW_PATH], None

    user = _evaluated(getattr(request, "user", None))
    if user is not None:
        user_id = user.pk if user.is_authenticated else None
    else:
        user_id = _session_value(request, "_auth_user_id")
    practice = _evaluated(getattr(request, "practice", None))
    if practice is not None:
        practice_id = practice.pk
    else:
        practice_id = _session_value(request, PRACTICE_SESSION_KEY) if user_id else None
    return {
        "event": "request",
        "request_id": request.META.get("HTTP_X_REQUEST_ID", "")[:64] or request.request_id,
        "method": request.method,
        "path": path,
        "view": view,
        "status": response.status_code,
        "duration_ms": round(duration * 1000, 1),
        "user_id": int(user_id) if user_id else None,
        "practice_id": int(practice_id) if practice_id else None,
        "htmx": bool(request.headers.get("HX-Request")),
    }


class RequestLogMiddleware:
    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex
        started = time.monotonic()
        response = self.get_response(request)
        try:
            fields = request_log_fields(request, response, time.monotonic() - started)
            request_log.info(json.dumps(fields, separators=(",", ":")))
            response.headers.setdefault("X-Request-ID", fields["request_id"])
        except Exception:  # logging must never turn a good response into an error
            logging.getLogger(__name__).exception("request log line failed")
        return response


# Room for the other fields of an upload form and the multipart framing around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


class RequestSizeLimitMiddleware:
    """Refuse an oversized request from its headers: the body is never read, so a 150 MB
    upload costs the server nothing. Within the limit, ``oversight.files`` still checks each
    file (and says which field is wrong)."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = settings.MAX_UPLOAD_BYTES
        if declared > limit + FORM_OVERHEAD_BYTES:
            page = render_to_string(
                "413.html", {"size": filesizeformat(declared), "limit": filesizeformat(limit)}
            )
            # (No "Connection: close" here: hop-by-hop headers are the WSGI server's; the
            # servers close a connection whose body was not read.)
            return HttpResponse(page, status=413)
        return self.get_response(request)


def _mfa_exempt_prefixes() -> tuple[str, ...]:
    mfa_root = reverse("mfa_index")
    return (
        mfa_root,
        reverse("account_logout"),
        reverse("account_reauthenticate"),
        reverse("session_keepalive"),
        reverse("healthz"),
        settings.STATIC_URL,
    )


# Set at sign-in (oversight.signals.on_login) for staff without a second factor.
STAFF_MFA_SESSION_KEY = "oversight_staff_mfa_required"


def mfa_enrolment_reason(request: HttpRequest) -> str | None:
    """Why someone must set up a second factor before going on, or None: a member of a practice
    that requires it (checked on every request, so turning it on applies to open sessions), or
    staff who signed in without one (the Django admin shows every practice;
    ``MFA_REQUIRED_FOR_STAFF``)."""
    user = request.user
    if not user.is_authenticated or is_mfa_enabled(user):
        return None
    if Membership.objects.filter(user=user, organization__require_mfa=True).exists():
        return "practice"
    if request.session.get(STAFF_MFA_SESSION_KEY):
        return "staff"
    return None


def mfa_enrolment_needed(request: HttpRequest) -> bool:
    return mfa_enrolment_reason(request) is not None


# Where the person was going when enrolment interrupted them; the two-factor pages link back.
MFA_NEXT_SESSION_KEY = "oversight_mfa_next"


class RequireMFAMiddleware:
    messages = {
        "practice": (
            "Your practice requires two-factor authentication. "
            "Set up an authenticator app to continue."
        ),
        "staff": (
            "Staff accounts can open the Django admin, which shows every practice: set up an "
            "authenticator app to continue."
        ),
    }

    def __init__(self, get_response: Callable):
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._exempt is None:
            self._exempt = _mfa_exempt_prefixes()
        if not request.path.startswith(self._exempt):
            reason = mfa_enrolment_reason(request)
            if reason:
                target = reverse("mfa_activate_totp")
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(target)
                if request.method == "GET":
                    request.session[MFA_NEXT_SESSION_KEY] = request.get_full_path()
                    messages.warning(request, self.messages[reason])
                return redirect(target)
            if request.user.is_authenticated and MFA_NEXT_SESSION_KEY in request.session:
                request.session.pop(MFA_NEXT_SESSION_KEY)  # back on the way: the link is spent
        return self.get_response(request)


def mfa_continue_url(request: HttpRequest) -> dict:
    """Context processor: on the two-factor pages, once a second factor exists, the page the
    person was going to when enrolment interrupted them."""
    url = request.session.get(MFA_NEXT_SESSION_KEY) if hasattr(request, "session") else None
    if url and request.user.is_authenticated and is_mfa_enabled(request.user):
        return {"mfa_continue_url": url}
    return {"mfa_continue_url": None}


def idle_logoff(request: HttpRequest) -> dict:
    """Context processor: the idle-logoff figures the page's warning script reads."""
    return {
        "idle_logoff_seconds": settings.SESSION_COOKIE_AGE,
        "idle_warning_seconds": settings.SESSION_IDLE_WARNING_SECONDS,
    }
