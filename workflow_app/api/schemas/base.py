"""The building blocks of the API's models: strict JSON types, the server's limits, and
the translation of pydantic's errors into the API's field codes (workflow_app.messages).

Requests are validated in strict mode: JSON has no "5" for 5 and no true for 1, as the
hand-written checks before them refused too. Unknown keys are ignored, as before.
"""

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WrapValidator
from pydantic_core import PydanticCustomError

from workflow_app import limits
from workflow_app.errors import Invalid


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", defer_build=True)
    # Fields whose inner errors are named as the web form names them, without the field
    # itself (a report's "key_work", a rater's "user_id").
    flat_errors: ClassVar[frozenset] = frozenset()

    def given(self):
        """The fields the client sent, as plain JSON values (for services taking a dict)."""
        return self.model_dump(exclude_unset=True)


class ResponseModel(BaseModel):
    """Documents an answer; the views still build it (its keys are the contract)."""
    model_config = ConfigDict(extra="allow", defer_build=True)


def text(limit, required=False):
    """A free-text field with the server's limit (workflow_app/limits.py); `required`: not
    empty. Optional text may also be null (the same as absent)."""
    kind = Annotated[str, Field(max_length=limit, min_length=1 if required else None)]
    return kind if required else kind | None


def words(limit):
    """Items of a list of names (roles, categories): text up to `limit`, empty allowed."""
    return Annotated[str, Field(max_length=limit)]


def coded(code):
    """Whatever is wrong with the value, one field code (where a service said so before)."""
    def check(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError(code, code) from None
    return WrapValidator(check)


Id = Annotated[int, Field(ge=0, le=limits.ID_MAX)]   # ids and versions (0: the client's none)
Number = float                                       # any JSON number, never true or "5"
Json = dict[str, Any]

CODES = {
    "missing": "required", "string_too_short": "required", "string_type": "not_text",
    "string_too_long": "too_long", "int_type": "not_a_number", "float_type": "not_a_number",
    "bool_type": "not_a_boolean", "list_type": "not_a_list", "dict_type": "not_an_object",
    "model_type": "not_an_object", "model_attributes_type": "not_an_object",
    "literal_error": "unknown", "enum": "unknown", "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range", "less_than": "out_of_range",
    "less_than_equal": "out_of_range", "too_long": "too_long", "too_short": "required",
}


def _name_and_code(model, error):
    loc, code = list(error["loc"]), CODES.get(error["type"], error["type"])
    if len(loc) == 1 and error.get("input", 0) is None:
        code = "required"  # null where a value is needed: as absent
    if len(loc) > 1 and isinstance(loc[-1], int) and code != "too_long":
        code = "not_a_list"  # an item of the wrong kind: the list is wrong
    if loc and isinstance(loc[-1], int):
        loc.pop()
    if loc[0] in model.flat_errors and len(loc) > 1:
        loc = loc[2:] if isinstance(loc[1], int) else loc[1:]
    return ".".join(str(p) for p in loc), code


def parse(model, data):
    """`data` as `model`, or Invalid (422) naming each bad field with the API's codes."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = {}
        for error in exc.errors():
            name, code = _name_and_code(model, error)
            fields.setdefault(name, code)
        raise Invalid(fields=fields) from None
