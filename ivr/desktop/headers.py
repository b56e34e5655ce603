"""Security headers on every desktop and API response: no framing, no foreign scripts, nothing cached.

The desktop shows callers' personal data, so its pages run only the scripts and styles it serves itself
(no inline script at all), cannot be put in another site's frame, and are never kept by a shared
computer's cache. HSTS is sent when the desktop is reached over HTTPS (directly, or behind a proxy
that reports it, or when IVR_PUBLIC_URL says https).
"""

from __future__ import annotations

from flask import Response, current_app, request

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"


def served_over_https() -> bool:
    public = str(current_app.config.get("PUBLIC_URL") or "")
    return request.is_secure or public.startswith("https://")


def protect(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "desktop.static":
        headers["Cache-Control"] = "no-store"  # pages and API answers hold personal data
        headers["Pragma"] = "no-cache"
    if served_over_https():
        headers["Strict-Transport-Security"] = HSTS
    return response
