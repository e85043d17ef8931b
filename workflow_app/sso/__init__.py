"""Single sign-on (issue 13): OpenID Connect (code + PKCE, Authlib) or CAS 2.0/3.0
(python-cas), switched on by SSO_PROTOCOL alone. Accounts are matched, never created
(matching.py); password login can be refused to SSO users (policy.py).

Kept free of imports at package level: auth.services imports sso.policy.
"""


def init_app(app):
    """Check the settings (a half-configured SSO stops the start), name the audit
    actions and add the routes (always: they answer 404 while SSO is off)."""
    from flask_babel import lazy_gettext as _l

    from workflow_app.audit.present import KEY_LABELS, OTHER_ACTIONS
    from workflow_app.sso.policy import settle_sso
    from workflow_app.sso.views import bp

    settle_sso(app.config)
    OTHER_ACTIONS.update({"sso_login": _l("Logged in (single sign-on)"),
                          "sso_login_refused": _l("Single sign-on refused"),
                          "sso_unlink": _l("Unified identity unlinked")})
    KEY_LABELS.update({"protocol": _l("Protocol"), "linked": _l("Linked now"),
                       "subject": _l("Identity")})
    app.register_blueprint(bp)
