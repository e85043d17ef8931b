"""The JSON API's requests and answers, declared once: the views validate requests with
these models (workflow_app.api.validated) and /api/v1/openapi.json is built from them."""

from workflow_app.api.schemas.base import ResponseModel
from workflow_app.api.schemas.people import Token


class Error(ResponseModel):
    """Every refusal: a stable code, a message for people, and for 422 each bad field's
    {code, message}."""
    error: str
    message: str
    fields: dict[str, dict[str, str]] | None = None


__all__ = ["Error", "Token"]
