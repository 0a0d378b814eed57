"""Headers every response carries so browsers hold our pages to the strictest rules they still work under."""

from __future__ import annotations

from starlette.responses import Response

# Scripts only from our own static files (no inline script, no eval). Styles allow inline because HTMX
# injects its indicator style and a few bars are sized with a style attribute; no script can hide there.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# One year, the usual floor for HSTS; only outside demo mode, where the service sits behind TLS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def apply_security_headers(response: Response, *, demo_mode: bool) -> None:
    headers = response.headers
    headers["content-security-policy"] = CONTENT_SECURITY_POLICY
    headers["x-content-type-options"] = "nosniff"
    headers["x-frame-options"] = "DENY"
    headers["referrer-policy"] = "same-origin"
    if not demo_mode:
        headers["strict-transport-security"] = STRICT_TRANSPORT_SECURITY
