"""Discord's own OpenAPI description (tests/discord/openapi.json, MIT licence beside it) as a validator.

Every request body the bot sends through the offline stand-in is checked against the request schema of
its route, every answer of the stand-in against the response schema (so it answers the way Discord
does), and every message against the 6,000-character total that Discord counts over all its embeds.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.offline import Request

SPEC_FILE = Path(__file__).parent / "discord" / "openapi.json"
SPEC_URI = "https://discord.com/api/v10/openapi.json"
EMBED_TOTAL_LIMIT = 6000


@functools.cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(spec(), default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Spec paths as patterns; paths with more literal segments first (…/messages/@original before {id})."""
    found = []
    for template in spec()["paths"]:
        pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")
        literal = sum(1 for part in template.split("/") if part and not part.startswith("{"))
        found.append((literal, pattern, template))
    found.sort(key=lambda item: -item[0])
    return [(pattern, template) for _, pattern, template in found]


def spec_path(path: str) -> str | None:
    """The spec's path template for a concrete path such as /interactions/1/abc/callback."""
    path = path.split("?", 1)[0]
    return next((template for pattern, template in _templates() if pattern.match(path)), None)


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@functools.cache
def _validator(pointer: str) -> Draft202012Validator:
    schema = {"$ref": f"{SPEC_URI}#/{pointer}"}
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _describe(error: ValidationError) -> str:
    if error.context:
        deepest = best_match(error.context)
        if deepest is not None:
            error = deepest
    return f"{error.json_path}: {error.message[:300]}"


def schema_errors(pointer: str, instance: Any) -> list[str]:
    """Errors of `instance` against the schema at `pointer` (a JSON pointer into the spec, no leading /)."""
    return [_describe(e) for e in _validator(pointer).iter_errors(instance)]


def request_errors(method: str, path: str, body: Any) -> list[str]:
    """Everything Discord would reject in a request: an unknown route, or a body its schema refuses."""
    shown = f"{method} {path.split('?', 1)[0]}"
    template = spec_path(path)
    if template is None:
        return [f"{shown}: no such route in Discord's API"]
    operation = spec()["paths"][template].get(method.lower())
    if operation is None:
        return [f"{shown}: Discord's API has no {method} on {template}"]
    request_body = operation.get("requestBody")
    if body is None:
        return [f"{shown}: a body is required"] if request_body and request_body.get("required") else []
    if request_body is None:
        return [f"{shown}: this route takes no body"]
    pointer = _pointer(
        "paths", template, method.lower(), "requestBody", "content", "application/json", "schema"
    )
    problems = [f"{shown}: {e}" for e in schema_errors(pointer, body)]
    return problems + [f"{shown}: {e}" for e in embed_errors(body)]


def response_errors(method: str, path: str, status: int, body: Any) -> list[str]:
    """Whether an answer has the shape Discord documents for that route and status."""
    shown = f"{method} {path.split('?', 1)[0]} -> {status}"
    template = spec_path(path)
    if template is None:
        return [f"{shown}: no such route in Discord's API"]
    operation = spec()["paths"][template].get(method.lower(), {})
    response = operation.get("responses", {}).get(str(status))
    if response is None:
        return [f"{shown}: Discord does not answer this route with {status}"]
    if "content" not in response:
        return [] if body is None else [f"{shown}: Discord answers {status} without a body"]
    pointer = _pointer(
        "paths", template, method.lower(), "responses", str(status), "content", "application/json", "schema"
    )
    return [f"{shown}: {e}" for e in schema_errors(pointer, body)]


def embed_total(embed: dict[str, Any]) -> int:
    """The characters Discord counts in an embed: title, description, field names and values, footer
    text and author name."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in embed.get("fields") or [])
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def embed_errors(body: Any) -> list[str]:
    """The 6,000-character limit over all embeds of one message (the schema checks each part alone)."""
    if not isinstance(body, dict):
        return []
    message = body.get("data") if isinstance(body.get("data"), dict) else body
    embeds = message.get("embeds") or []
    total = sum(embed_total(e) for e in embeds)
    if total > EMBED_TOTAL_LIMIT:
        return [f"the embeds hold {total} characters; Discord allows {EMBED_TOTAL_LIMIT} in one message"]
    return []


def command_errors(commands: list[dict[str, Any]]) -> list[str]:
    """The body of a command sync (bulk overwrite) against the spec's application command schema."""
    return request_errors("PUT", "/applications/1/commands", commands)


def recorded_errors(requests: Iterable[Request]) -> list[str]:
    """Every problem in the requests the stand-in recorded, and in its own answers to them."""
    problems: list[str] = []
    for request in requests:
        problems += request_errors(request.method, request.path, request.json)
        if 200 <= request.status < 300:
            problems += response_errors(request.method, request.path, request.status, request.response)
    return problems
