"""Domain errors raised by services; views and the API map them to answers.

Each carries a stable ``code`` (for the JSON API) and a lazily translated message
(for people), so a service never needs to know who is asking.
"""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message=None, *, code=None, details=None):
        # Kept lazy: translated when shown, in the reader's language.
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}

    default_message = _l("The request could not be processed.")


class NotAuthenticated(DomainError):
    status, code = 401, "not_authenticated"
    default_message = _l("Please log in first.")


class NotAllowed(DomainError):
    status, code = 403, "forbidden"
    default_message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status, code = 404, "not_found"
    default_message = _l("Not found.")


class Conflict(DomainError):
    status, code = 409, "conflict"
    default_message = _l("This item has already been handled by someone else.")


class WrongState(Conflict):
    code = "wrong_state"
    default_message = _l("This action is not possible in the current state.")


class StaleVersion(Conflict):
    code = "stale_version"
    default_message = _l(
        "This item was changed by someone else in the meantime; reload and try again."
    )


class Invalid(DomainError):
    status, code = 422, "invalid"
    default_message = _l("Some of the data is invalid.")

    def __init__(self, message=None, *, fields=None, code=None):
        super().__init__(message, code=code, details={"fields": fields or {}})
        self.fields = fields or {}
