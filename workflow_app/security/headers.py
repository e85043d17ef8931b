"""Security headers on every response (issue 9, item 12).

The CSP allows scripts and styles only from this site: no inline <script>, no on*=
handlers, no style attributes or <style> blocks (templates keep behaviour in
static/kaohe.js behind data attributes, and styles in static/*.css). Pages may not
be framed. Every response gets nosniff, frame denial and the Referrer-Policy; HTML pages
also get the CSP. HSTS is sent only over TLS: `request.is_secure`, which is also true
behind a proxy when the app is wrapped in werkzeug's ProxyFix (TRUST_PROXY_HEADERS).
"""

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'self'",
    "form-action 'self'", "object-src 'none'",
])
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app):
    if app.config.get("TRUST_PROXY_HEADERS"):
        # X-Forwarded-Proto from one trusted proxy makes request.is_secure true.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.after_request(_add_headers)


def _add_headers(response):
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # Files (evidence PDFs, exports) keep the browser's own viewers working.
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
