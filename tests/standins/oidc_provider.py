"""A stand-in OpenID Connect provider on loopback, built to OpenID Connect Core 1.0
(§3.1: authorization code flow), OpenID Connect Discovery 1.0 (§4), RFC 7636 (PKCE,
S256 only), RFC 6749 §4.1 and §2.3.1 (client_secret_basic / client_secret_post), RFC 7517
(JWKS) and RP-Initiated Logout 1.0.

It checks what a real provider checks and refuses otherwise:
- /authorize: response_type=code, a known client_id, the registered redirect_uri
  exactly, scope with openid, state and nonce present, code_challenge with
  code_challenge_method=S256 (plain is refused).
- /token: grant_type=authorization_code, the client's secret (Basic or form), a code
  issued to that client and used once, the same redirect_uri, and
  BASE64URL(SHA256(code_verifier)) == code_challenge.
It signs the ID token RS256 with its key (kid in the header, the public key at
/jwks). Tests bend the ID token through `claims_override`, `tamper_signature` and
`foreign_key` to see the relying party refuse it.
"""

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.standins.sso_http import LoopbackServer


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OidcProvider(LoopbackServer):
    def __init__(self, client_id="kaohe", client_secret="s3cret", redirect_uri=""):
        self.client_id, self.client_secret, self.redirect_uri = (client_id, client_secret,
                                                                 redirect_uri)
        self.key = RSAKey.generate_key(2048, parameters={"kid": "stand-in-1"})
        self.user = {"sub": "u-1001", "preferred_username": "a1", "name": "A1"}
        self.codes = {}
        self.refusals = []          # (endpoint, why) of every refused request
        self.token_requests = 0
        self.claims_override = {}
        self.tamper_signature = False
        self.foreign_key = False

    def __enter__(self):
        super().__enter__()
        self.issuer = self.url
        return self

    # --- routing --------------------------------------------------------------------
    def route(self, method, path, query, form, headers):
        routes = {("GET", "/.well-known/openid-configuration"): self.discovery,
                  ("GET", "/authorize"): self.authorize, ("POST", "/token"): self.token,
                  ("GET", "/jwks"): self.jwks, ("GET", "/logout"): self.logout}
        handler = routes.get((method, path))
        if handler is None:
            return 404, {}, b"not found"
        return handler(query, form, headers)

    def _json(self, status, body):
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def _refuse(self, endpoint, why, status=400, error="invalid_request"):
        self.refusals.append((endpoint, why))
        return self._json(status, {"error": error, "error_description": why})

    # --- endpoints ------------------------------------------------------------------
    def discovery(self, query, form, headers):
        u = self.issuer
        return self._json(200, {
            "issuer": u, "authorization_endpoint": f"{u}/authorize",
            "token_endpoint": f"{u}/token", "jwks_uri": f"{u}/jwks",
            "end_session_endpoint": f"{u}/logout", "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email"]})

    def authorize(self, q, form, headers):
        problem = self._authorize_problem(q)
        if problem:
            return self._refuse("authorize", problem)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"client_id": q["client_id"], "redirect_uri": q["redirect_uri"],
                            "challenge": q["code_challenge"], "nonce": q["nonce"],
                            "user": dict(self.user)}
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return 302, {"Location": target}, b""

    def _authorize_problem(self, q):
        checks = [(q.get("response_type") == "code", "response_type must be code"),
                  (q.get("client_id") == self.client_id, "unknown client_id"),
                  (q.get("redirect_uri") == self.redirect_uri, "redirect_uri not registered"),
                  ("openid" in q.get("scope", "").split(), "scope lacks openid"),
                  (bool(q.get("state")), "state missing"), (bool(q.get("nonce")), "nonce missing"),
                  (q.get("code_challenge_method") == "S256", "code_challenge_method not S256"),
                  (len(q.get("code_challenge", "")) == 43, "code_challenge missing")]
        return next((why for ok, why in checks if not ok), None)

    def token(self, q, form, headers):
        self.token_requests += 1
        client_id, secret = self._client_auth(form, headers)
        if (client_id, secret) != (self.client_id, self.client_secret):
            return self._refuse("token", "client authentication failed", 401, "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return self._refuse("token", "grant_type", error="unsupported_grant_type")
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["client_id"] != client_id:
            return self._refuse("token", "unknown or used code", error="invalid_grant")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._refuse("token", "redirect_uri differs", error="invalid_grant")
        if s256(form.get("code_verifier", "")) != grant["challenge"]:
            return self._refuse("token", "code_verifier does not match", error="invalid_grant")
        return self._json(200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                                "expires_in": 300, "id_token": self.id_token(grant)})

    @staticmethod
    def _client_auth(form, headers):
        basic = headers.get("Authorization", "")
        if basic.startswith("Basic "):
            cid, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            return cid, secret
        return form.get("client_id"), form.get("client_secret")

    def id_token(self, grant):
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["user"], **self.claims_override}
        key = RSAKey.generate_key(2048, parameters={"kid": "stand-in-1"}) \
            if self.foreign_key else self.key
        token = jwt.encode({"alg": "RS256", "kid": "stand-in-1"}, claims, key)
        if self.tamper_signature:
            head, body, sig = token.split(".")
            sig = ("A" if sig[0] != "A" else "B") + sig[1:]
            token = f"{head}.{body}.{sig}"
        return token

    def jwks(self, q, form, headers):
        return self._json(200, KeySet([self.key]).as_dict(private=False))

    def logout(self, q, form, headers):
        self.last_logout = q
        return 302, {"Location": q.get("post_logout_redirect_uri", self.issuer)}, b""
