"""The schema-contract checks of runbook §6, each a small function named for its expectation.

A check returns nothing when the contract holds and raises ``ContractViolation`` when it does not:
a title naming the tenant, field, role or key, a blank line, then ``Expected:`` / ``Received:``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
from deepdiff import DeepDiff

from ..errors import SourceError, TargetAnswerError
from ..target.boundary import json_body
from ..target.clients import unwrap
from . import CheckFailure

_FORMATS = ("date-time", "uri")  # without their checker libraries jsonschema would skip them silently
_PRISMA_TYPES_FOR_JSON = {
    "boolean": {"Boolean"},
    "integer": {"Int", "BigInt"},
    "number": {"Float", "Decimal", "Int", "BigInt"},
    "string": {"String", "DateTime"},
}


class ContractViolation(CheckFailure):
    """A shared contract and what the target (or its source) has disagree."""


def json_payload(response, *, envelope: str, what: str) -> Any:
    """The JSON payload of a successful response, unwrapped from its configured envelope."""
    __tracebackhide__ = True
    if not 200 <= response.status_code < 300:
        raise ContractViolation(f"{what} failed", "HTTP 2xx", f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        body = json_body(response)
    except TargetAnswerError as error:
        raise ContractViolation(f"{what} did not answer JSON", "JSON", response.text[:200]) from error
    return unwrapped(body, envelope, what=what)


def unwrapped(body: Any, envelope: str, *, what: str) -> Any:
    """The payload inside the configured envelope of a response body."""
    __tracebackhide__ = True
    try:
        return unwrap(body, envelope)
    except KeyError as missing:
        raise ContractViolation(
            f"{what} has no {envelope!r} envelope (missing key {missing})", f"{{{envelope!r}: …}}", body
        ) from None


def validator(schema: Mapping[str, Any]) -> jsonschema.Draft7Validator:
    """A draft-07 validator that checks formats too (``date-time``, ``uri``)."""
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    missing = [name for name in _FORMATS if name not in checker.checkers]
    if missing:
        raise SourceError(
            f"jsonschema cannot check the formats {', '.join(missing)}; "
            "install rfc3339-validator and rfc3986-validator (scripts/setup does)"
        )
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def schema_errors(payload: Any, schema: Mapping[str, Any]) -> list[str]:
    """Every way the payload breaks the schema, as ``path: message`` lines."""
    errors = sorted(
        validator(schema).iter_errors(payload), key=lambda error: (list(error.absolute_path), error.message)
    )
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}" for error in errors]


def matches_shared_type(payload: Any, schema: Mapping[str, Any], *, type_name: str, what: str) -> None:
    """The payload validates against the shared type's JSON schema."""
    __tracebackhide__ = True
    errors = schema_errors(payload, schema)
    if errors:
        raise ContractViolation(
            f"{what} does not match the shared {type_name}: " + "; ".join(errors),
            f"a {type_name} ({', '.join(_properties(schema))})",
            payload,
        )


def optional_defaults(schema: Mapping[str, Any], model_defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What each optional field of a shared type means when left out: its ``default``, else the data model's."""
    definition = definition_of(schema)
    required = set(definition.get("required", []))
    defaults = {}
    for name, prop in definition.get("properties", {}).items():
        if name in required:
            continue
        if "default" in prop:
            defaults[name] = prop["default"]
        elif (model_defaults or {}).get(name) is not None:
            defaults[name] = model_defaults[name]
    return defaults


def completed(record: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """What a record means: each field it leaves out, or gives as null, at its default (absent when it has none)."""
    return {**defaults, **{name: value for name, value in record.items() if value is not None}}


def policies_equal(web: Mapping[str, Any], api: Mapping[str, Any], *, tenant: str) -> None:
    """Web settings and the API's policy output say the same for one organization."""
    __tracebackhide__ = True
    diff = DeepDiff(dict(web), dict(api), ignore_order=True, verbose_level=2)
    if diff:
        raise ContractViolation(
            f"web settings and the API policy differ for tenant {tenant}: "
            + _describe(diff, "web settings", "the API policy"),
            web,
            api,
        )


def read_back_identically(written: Mapping[str, Any], read: Mapping[str, Any], *, tenant: str, via: str) -> None:
    """A policy written through web settings reads back unchanged."""
    __tracebackhide__ = True
    diff = DeepDiff(dict(written), dict(read), verbose_level=2)
    if diff:
        raise ContractViolation(
            f"the policy written through web settings reads back differently through {via} "
            f"for tenant {tenant}: {_describe(diff, 'what was written', via)}",
            written,
            read,
        )


def rejected_without_change(
    status: int, before: Mapping[str, Any], after: Mapping[str, Any], *, variant: str, tenant: str
) -> None:
    """An invalid policy is refused with a 4xx and leaves the stored policy as it was."""
    __tracebackhide__ = True
    if not 400 <= status < 500:
        raise ContractViolation(
            f"web settings accepted an invalid policy ({variant}) for tenant {tenant}", "HTTP 4xx", f"HTTP {status}"
        )
    if dict(before) != dict(after):
        raise ContractViolation(
            f"a refused policy ({variant}) still changed the settings of tenant {tenant}: "
            f"{_describe(DeepDiff(dict(before), dict(after), verbose_level=2), 'before', 'after')}",
            before,
            after,
        )


def preview_url_on_api_base(event: Mapping[str, Any], api_base_url: str, *, what: str) -> None:
    """A screenshot's previewUrl is built on ``API_BASE_URL``."""
    __tracebackhide__ = True
    url = event.get("previewUrl")
    if not isinstance(url, str) or not url.startswith(api_base_url.rstrip("/") + "/"):
        raise ContractViolation(
            f"{what}: previewUrl is not built on API_BASE_URL", f"{api_base_url.rstrip('/')}/…", url
        )


def enum_values_equal(
    prisma_values: Iterable[str], shared_values: Iterable[str], *, enum: str, shared_type: str
) -> None:
    """A Prisma enum and the shared union type have the same values."""
    __tracebackhide__ = True
    prisma_values, shared_values = set(prisma_values), set(shared_values)
    if prisma_values != shared_values:
        raise ContractViolation(
            f"Prisma enum {enum} and the shared {shared_type} differ: "
            + key_changes(
                missing=shared_values - prisma_values,
                extra=prisma_values - shared_values,
                missing_word="missing from Prisma",
                extra_word="not in the shared type",
            ),
            sorted(shared_values),
            sorted(prisma_values),
        )


def columns_cover_shared_type(
    fields: Mapping[str, str], schema: Mapping[str, Any], *, model: str, type_name: str
) -> None:
    """The model has a field of a compatible type for every property of the shared type."""
    __tracebackhide__ = True
    problems = []
    for name, json_type in _property_types(schema).items():
        prisma_type = fields.get(name)
        if prisma_type is None:
            problems.append(f"{name}: no field")
        elif prisma_type not in _PRISMA_TYPES_FOR_JSON.get(json_type, set()):
            problems.append(f"{name}: {prisma_type} cannot hold a JSON {json_type}")
    if problems:
        raise ContractViolation(
            f"Prisma model {model} cannot store every {type_name} field: " + "; ".join(problems),
            {name: sorted(_PRISMA_TYPES_FOR_JSON.get(t, {t})) for name, t in _property_types(schema).items()},
            dict(fields),
        )


def literal_values(schema: Mapping[str, Any]) -> list[str]:
    """The values of a string-literal union type (``'OWNER' | 'ADMIN' | …``)."""
    definition = definition_of(schema)
    if "enum" in definition:
        return list(definition["enum"])
    return [option["const"] for option in definition.get("anyOf", []) if "const" in option]


def definition_of(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The definition a standalone schema's root ``$ref`` points at (or the schema itself)."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return schema["definitions"][ref.removeprefix("#/definitions/")]
    return schema


def _properties(schema: Mapping[str, Any]) -> list[str]:
    return list(definition_of(schema).get("properties", {}))


def _property_types(schema: Mapping[str, Any]) -> dict[str, str]:
    types = {}
    for name, prop in definition_of(schema).get("properties", {}).items():
        json_type = prop.get("type")
        types[name] = json_type if isinstance(json_type, str) else "/".join(json_type or ["any"])
    return types


def key_changes(*, missing: set, extra: set, missing_word: str = "missing", extra_word: str = "extra") -> str:
    """``missing a, b; extra c``: what one set of keys lacks and has beyond another."""
    parts = []
    if missing:
        parts.append(f"{missing_word} {', '.join(sorted(missing))}")
    if extra:
        parts.append(f"{extra_word} {', '.join(sorted(extra))}")
    return "; ".join(parts)


def _describe(diff: DeepDiff, left: str, right: str) -> str:
    parts = []
    for kind in ("values_changed", "type_changes"):
        for path, change in diff.get(kind, {}).items():
            parts.append(f"{_field(path)} is {change['old_value']!r} in {left} but {change['new_value']!r} in {right}")
    parts += [f"{_field(path)} only in {left}" for path in diff.get("dictionary_item_removed", {})]
    parts += [f"{_field(path)} only in {right}" for path in diff.get("dictionary_item_added", {})]
    return "; ".join(parts) or diff.pretty()


def _field(path: str) -> str:
    return path.removeprefix("root['").removesuffix("']").replace("']['", ".")
