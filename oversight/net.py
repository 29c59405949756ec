"""The client's IP address, one definition for the activity log, the e-signature record,
sign-in lockout and every rate limit.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far as
the deployment says proxies of its own append to it (``TRUSTED_PROXY_COUNT``, 0 by default:
``REMOTE_ADDR``). Behind one TLS proxy (``TRUSTED_PROXY_COUNT=1``) the client is the last
address of the header, the one that proxy appended; anything a client put before it is
ignored. A value that is not an IP address is never stored (it would also break the
``inet`` column).
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, or None when it cannot be told."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip_for_limits(request) -> str:
    """``client_ip`` for rate limits and lockout, which need a key: an unknown address
    shares one bucket (it cannot be told apart anyway)."""
    return client_ip(request) or "0.0.0.0"
