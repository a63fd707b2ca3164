"""OpenAPI response entries for the problems a route can answer with."""

import dataclasses
from typing import Annotated, Any, get_args, get_origin

import msgspec
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.typing import FieldDefinition

from entrypoints.http.errors import PROBLEM_MEDIA_TYPE
from entrypoints.http.schemas import Problem

_DESCRIPTIONS = {
    400: "Malformed JSON, an unknown field or a wrong type (`errors` names each field)",
    401: "No valid bearer access token or API key, or invalid credentials",
    403: "The caller's role (or API key) lacks the route's permission",
    404: "Not found",
    409: "Conflicts with the current state",
    422: "The input breaks a rule (`errors` names the field)",
    429: "Too many requests or attempts: a rate limit is spent (see Retry-After, in seconds)",
    503: "A dependency is down",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }


AUTHENTICATED = (400, 401, 403, 429)


class ClosedStructSchemaPlugin(StructSchemaPlugin):
    """msgspec Structs as Litestar documents them, with two corrections so the document says what the
    server does: `additionalProperties: false` for Structs that refuse unknown fields (all our request
    DTOs), and each field of plain types (no nested Struct) described by msgspec's own JSON schema, since
    Litestar drops the constraints of an optional field and of the items of a list or dict."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        assert isinstance(info, msgspec.inspect.StructType)
        if info.forbid_unknown_fields:
            schema.additional_properties = False
        hints = field_definition.get_type_hints(include_extras=True, resolve_generics=True)
        for field in info.fields:
            if schema.properties is None or not _constrained(hints[field.name]):
                continue
            described = msgspec.json.schema(hints[field.name])
            if "$ref" in msgspec.json.encode(described).decode():
                continue  # a nested Struct: Litestar's component reference stays
            if field.default not in (msgspec.NODEFAULT, msgspec.UNSET):
                described["default"] = msgspec.to_builtins(field.default)
            schema.properties[field.encode_name] = _schema_from_json(described)
        return schema


def _constrained(hint: Any) -> bool:
    """Has a msgspec.Meta somewhere inside (plain types keep Litestar's description, formats included)."""
    return get_origin(hint) is Annotated or any(_constrained(arg) for arg in get_args(hint))


_ATTRIBUTE_BY_KEY = {f.metadata.get("alias", f.name): f.name for f in dataclasses.fields(Schema)}


def _schema_from_json(document: dict[str, Any]) -> Schema:
    """A JSON Schema document (as msgspec writes it) as Litestar's Schema object."""
    values: dict[str, Any] = {}
    for key, value in document.items():
        if key == "type":
            value = OpenAPIType(value)
        elif key == "format":
            value = OpenAPIFormat(value)
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            value = _schema_from_json(value)
        elif key in ("anyOf", "oneOf", "allOf"):
            value = [_schema_from_json(item) for item in value]
        values[_ATTRIBUTE_BY_KEY[key]] = value
    return Schema(**values)
