"""Validate rendered custom resources against the pinned CRDs in ``../shared/k8s/crds/``.

Two checks per object, as a kube-apiserver would run them:

* the version's ``openAPIV3Schema`` with ``jsonschema``, after mapping the Kubernetes extensions
  (``x-kubernetes-int-or-string``, ``nullable``) and forbidding unknown fields wherever the
  schema lists properties and does not say ``x-kubernetes-preserve-unknown-fields``;
* every ``x-kubernetes-validations`` CEL rule on the path, with ``cel-python``, after applying
  the schema defaults (the apiserver defaults before it validates). ``split`` (a Kubernetes CEL
  library function) is registered; transition rules (``oldSelf``) are skipped: there is no
  previous object at creation.

The CRD files are read, never copied into the repository.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import celpy.adapter
import celpy.evaluation
import jsonschema
from ruamel.yaml import YAML

CRD_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "k8s" / "crds"


@dataclass
class Compiled:
    kind: str
    api_version: str
    schema: dict[str, Any]
    rules: int = 0
    programs: dict[str, Any] = field(default_factory=dict)


def _yaml_docs(path: Path) -> Iterator[Any]:
    yield from YAML(typ="safe", pure=False).load_all(path.read_text())


@cache
def crds() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → the served version's openAPIV3Schema."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(CRD_DIR.rglob("*.y*ml")):
        for doc in _yaml_docs(path):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group = doc["spec"]["group"]
            kind = doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                if version.get("served"):
                    out[(f"{group}/{version['name']}", kind)] = version["schema"][
                        "openAPIV3Schema"]
    return out


def to_json_schema(node: Any) -> Any:
    """OpenAPI v3 (Kubernetes structural) → JSON Schema with unknown fields forbidden."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items()
           if not k.startswith("x-kubernetes-") and k != "nullable"}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if ("properties" in node and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def apply_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Structural defaulting, depth first (what the apiserver stores before validating)."""
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name not in value and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                value[name] = apply_defaults(sub, value[name])
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name in value:
                if name not in schema.get("properties", {}):
                    value[name] = apply_defaults(extra, value[name])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [apply_defaults(schema["items"], item) for item in value]
    return value


def _split(text: celpy.celtypes.StringType, sep: celpy.celtypes.StringType) -> Any:
    return celpy.celtypes.ListType([celpy.celtypes.StringType(p) for p in str(text).split(sep)])


_ENV = celpy.Environment()
_FUNCTIONS = {"split": _split}


@cache
def _program(rule: str) -> Any:
    return _ENV.program(_ENV.compile(rule), functions=_FUNCTIONS)


def cel_errors(schema: dict[str, Any], value: Any, path: str = "") -> Iterator[str]:
    """Every failing CEL rule under `schema` for `value` (defaults already applied)."""
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"]:
            continue
        try:
            result = _program(rule["rule"]).evaluate({"self": celpy.adapter.json_to_cel(value)})
        except celpy.evaluation.CELEvalError as exc:
            yield f"{path or '/'}: rule {rule['rule']!r} raised {exc}"
            continue
        if isinstance(result, celpy.evaluation.CELEvalError):
            yield f"{path or '/'}: rule {rule['rule']!r} raised {result}"
        elif not bool(result):
            yield f"{path or '/'}: {rule.get('message', rule['rule'])}"
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name, sub in value.items():
            child = props.get(name, schema.get("additionalProperties"))
            if isinstance(child, dict):
                yield from cel_errors(child, sub, f"{path}/{name}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from cel_errors(schema["items"], item, f"{path}/{i}")


def count_rules(schema: Any) -> int:
    if isinstance(schema, dict):
        own = len(schema.get("x-kubernetes-validations", []))
        return own + sum(count_rules(v) for v in schema.values())
    if isinstance(schema, list):
        return sum(count_rules(v) for v in schema)
    return 0


def validate(obj: dict[str, Any]) -> list[str]:
    """Schema and CEL errors of one custom resource ([] when valid)."""
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    schema = crds().get(key)
    if schema is None:
        return [f"no pinned CRD for {key}"]
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
              for e in jsonschema.Draft202012Validator(to_json_schema(schema)).iter_errors(obj)]
    defaulted = apply_defaults(schema, copy.deepcopy(obj))
    return errors + list(cel_errors(schema, defaulted))


def load_manifests(text: str) -> list[dict[str, Any]]:
    return [doc for doc in YAML(typ="safe", pure=False).load_all(text) if doc]
