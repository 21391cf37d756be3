"""JSON Schema and the spec reference (docs/spec.md), both generated from the pydantic models.

The committed copies are checked by `tlsconf schema --check`, so they cannot drift from code.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from tlsconf.spec import DEFAULTABLE, Spec

SCHEMA_ID = "https://tlsconf.dev/schemas/tlsconf.schema.json"


def schema() -> dict[str, Any]:
    doc = Spec.model_json_schema(mode="validation")
    site_ref = {"$ref": "#/$defs/Site"}
    assert doc["properties"]["sites"]["items"] == site_ref
    site = doc["$defs"]["Site"]
    # `defaults:` holds any defaultable site field, all optional; it is merged before validation.
    defs = doc["$defs"]
    doc["properties"]["defaults"] = {
        "type": "object",
        "description": "Site fields applied to every site that omits them (merged per key).",
        "additionalProperties": False,
        "properties": {name: _partial(site["properties"][name], defs) for name in DEFAULTABLE},
    }
    # A site may take `tls` and `upstreams` from `defaults`.
    site["required"] = [name for name in site["required"] if name not in DEFAULTABLE]
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["$id"] = SCHEMA_ID
    return doc


def _partial(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with every referenced model replaced by a copy whose fields are all optional."""
    if isinstance(node, list):
        return [_partial(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and not ref.endswith("Partial"):
        name = ref.rsplit("/", 1)[-1]
        partial = f"{name}Partial"
        if partial not in defs:
            defs[partial] = {}  # placeholder against recursion
            body = {k: v for k, v in defs[name].items() if k != "required"}
            defs[partial] = _partial(body, defs)
        return {**node, "$ref": f"#/$defs/{partial}"}
    return {key: _partial(value, defs) for key, value in node.items()}


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def _type_name(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop:
        return " or ".join(_type_name(p) for p in prop["anyOf"] if p.get("type") != "null")
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_name(prop.get('items', {}))}"
    if kind == "object" and "additionalProperties" in prop:
        return "mapping"
    return str(kind)


def _section(name: str, model: type[BaseModel], props: dict[str, Any]) -> list[str]:
    lines = [
        f"## {name}",
        "",
        (model.__doc__ or "").strip(),
        "",
        "| field | type | default | description |",
        "|---|---|---|---|",
    ]
    for field_name, info in model.model_fields.items():
        prop = props.get(field_name, {})
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            empty = info.get_default(call_default_factory=True) in ({}, [])
            default = "empty" if empty else "defaults of its fields"
        else:
            default = "—" if info.default is None else f"`{json.dumps(info.default)}`"
        description = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{field_name}` | {_type_name(prop)} | {default} | {description} |")
    return [*lines, ""]


def spec_markdown() -> str:
    doc = schema()
    defs = doc["$defs"]
    out = [
        "# Spec reference (format version 1)",
        "",
        "Generated from the models in `tlsconf/spec.py` by `tlsconf schema`; do not edit.",
        "`—` means unset: the value then comes from the site's Mozilla profile or from",
        "tlsconf's secure default, as the description says. A top-level `defaults:` mapping may",
        f"hold any of these site fields: {', '.join(f'`{n}`' for n in DEFAULTABLE)}.",
        "",
    ]
    out += _section("Spec (top level)", Spec, doc["properties"])
    from tlsconf import spec as models

    for name in (
        "Site",
        "Listen",
        "TLS",
        "ClientAuth",
        "HSTS",
        "Upstream",
        "HealthCheck",
        "Location",
        "Targets",
        "NginxTarget",
        "HAProxyTarget",
        "TargetVersions",
        "SiteKubernetes",
        "Kubernetes",
        "Gateway",
        "Issuer",
        "Service",
        "BackendTLS",
    ):
        model = getattr(models, name)
        out += _section(name, model, defs.get(name, {}).get("properties", {}))
    return "\n".join(out).rstrip() + "\n"
