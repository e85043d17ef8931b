"""OpenID Connect, authorization code flow with PKCE (S256), through Authlib.

Followed: OpenID Connect Core 1.0 (§3.1 code flow, §3.1.3.7 ID token validation),
OpenID Connect Discovery 1.0 (§4: the document's issuer must equal the configured one),
RFC 7636 (PKCE), RFC 6749 (§4.1 code grant, §10.12 state), RP-Initiated Logout 1.0.

Authlib keeps state, nonce and code_verifier in the (signed) session between the two
legs, checks state on the way back, verifies the ID token's signature against the
provider's JWKS and its exp/iat/nonce; iss and aud are pinned here.
"""

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from joserfc.errors import JoseError
from requests import RequestException

from workflow_app.sso.matching import SsoRefused

NAME = "kaohe_sso_oidc"
SETTINGS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES",
            "OIDC_TOKEN_AUTH_METHOD", "SSO_HTTP_TIMEOUT")
# What a provider's broken or forged answer raises inside Authlib, joserfc or requests.
PROVIDER_ERRORS = (OAuthError, JoseError, RequestException, ValueError, KeyError, TypeError)


def client():
    """The Authlib client for the current settings (rebuilt when they change)."""
    cfg = current_app.config
    key = tuple(cfg.get(k) for k in SETTINGS)
    cached = current_app.extensions.get(NAME)
    if cached is None or cached[0] != key:
        cached = (key, _register(cfg))
        current_app.extensions[NAME] = cached
    return cached[1]


def _register(cfg):
    issuer = cfg["OIDC_ISSUER"].rstrip("/")
    oauth = OAuth(current_app._get_current_object())
    return oauth.register(
        NAME, client_id=cfg["OIDC_CLIENT_ID"], client_secret=cfg.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": cfg["OIDC_SCOPES"], "code_challenge_method": "S256",
                       "token_endpoint_auth_method": cfg["OIDC_TOKEN_AUTH_METHOD"],
                       "default_timeout": cfg["SSO_HTTP_TIMEOUT"]})


def _metadata(oidc):
    """The discovery document, refused unless it names the configured issuer."""
    metadata = oidc.load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != current_app.config["OIDC_ISSUER"].rstrip("/"):
        current_app.extensions.pop(NAME, None)
        raise SsoRefused()
    return metadata


def login_redirect(redirect_uri):
    oidc = client()
    _metadata(oidc)
    return oidc.authorize_redirect(redirect_uri)


def complete():
    """(issuer, subject, claims) of the ID token the callback's code is exchanged for."""
    oidc = client()
    issuer = _metadata(oidc)["issuer"]
    options = {"iss": {"essential": True, "value": issuer},
               "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
               "sub": {"essential": True}}
    token = oidc.authorize_access_token(claims_options=options, leeway=60)
    claims = token.get("userinfo")
    if not claims:  # no id_token in the answer: nothing was verified
        raise SsoRefused()
    return issuer, claims["sub"], dict(claims), token["id_token"]


def logout_url(id_token, post_logout_redirect_uri):
    """The provider's end_session_endpoint, or None when it has none."""
    oidc = client()
    if not oidc.load_server_metadata().get("end_session_endpoint"):
        return None
    return oidc.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                  id_token_hint=id_token,
                                  client_id=current_app.config["OIDC_CLIENT_ID"])["url"]
