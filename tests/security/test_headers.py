"""Security headers on every page and a CSP the templates actually keep (issue 9, item 12)."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Inline script, inline handlers, javascript: URLs, inline styles: all blocked by the CSP.
INLINE = [re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), re.compile(r"\son[a-z]+\s*=", re.I),
          re.compile(r"javascript:", re.I), re.compile(r"<style", re.I),
          re.compile(r"\sstyle\s*=", re.I)]
WITHOUT_ARGS_SKIPPED = {"auth.logout", "static"}


def _html_routes(app):
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if "GET" in r.methods and not r.arguments
                  and r.endpoint not in WITHOUT_ARGS_SKIPPED and not r.rule.startswith("/api/"))


def _check(resp):
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    if resp.mimetype == "text/html":
        csp = resp.headers["Content-Security-Policy"]
        for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                     "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'",
                     "form-action 'self'"):
            assert part in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP


def test_every_page_sends_the_headers(app, world, auth):
    admin = auth.user("admin")
    routes = _html_routes(app)
    assert len(routes) > 15
    for rule in routes:
        resp = admin.client.get(rule)
        _check(resp)
    _check(app.test_client().get("/login"))
    _check(admin.client.get("/api/v1/openapi.json"))
    _check(app.test_client().get("/no-such-page"))


@pytest.mark.parametrize(("trust", "headers", "hsts"), [
    (False, {}, False),
    (False, {"X-Forwarded-Proto": "https"}, False),  # an untrusted header is ignored
    (True, {"X-Forwarded-Proto": "https"}, True),
])
def test_hsts_only_over_tls(app, trust, headers, hsts):
    from workflow_app.security import headers as security_headers

    if trust:
        app.config["TRUST_PROXY_HEADERS"] = True
        security_headers.init_app(app)
    resp = app.test_client().get("/login", headers=headers)
    assert ("Strict-Transport-Security" in resp.headers) == hsts
    assert app.test_client().get("/login", base_url="https://localhost").headers[
        "Strict-Transport-Security"].startswith("max-age=")


def test_templates_have_no_inline_script_or_style():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parent.name == "emails":  # mail bodies: not served under the CSP
            continue
        text = path.read_text()
        found += [f"{path.relative_to(TEMPLATES)}: {p.pattern}" for p in INLINE
                  if p.search(text)]
    assert found == []
