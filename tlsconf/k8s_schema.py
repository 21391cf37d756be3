"""Offline validation of Kubernetes manifests against the CRDs vendored in `tlsconf/data/k8s/`.

What a kube-apiserver would check on create, without a cluster (kubeconform-style):

* the served version's `openAPIV3Schema`, with `jsonschema`, after mapping the Kubernetes
  extensions (`x-kubernetes-int-or-string`, `nullable`) and forbidding unknown fields wherever
  the schema lists properties and does not say `x-kubernetes-preserve-unknown-fields` (the
  apiserver prunes or, with strict field validation, refuses them: both lose the setting);
* every `x-kubernetes-validations` CEL rule on the path, with `cel-python`, after applying the
  schema defaults (the apiserver defaults before it validates). `split` (a Kubernetes CEL
  library function) is registered; transition rules (`oldSelf`) are not run: they apply to
  updates, and a rendered manifest is a create. A rule that cannot be evaluated is a problem,
  never a pass;
* `metadata` as ObjectMeta: known fields only, `name` a DNS-1123 subdomain, `namespace` a DNS-1123
  label (and none on a cluster-scoped kind), label keys and values in Kubernetes' syntax; the
  same kind/namespace/name twice in one set of manifests (the second silently replaces the first).

A kind without a vendored CRD (core kinds such as Service, Secret or ConfigMap, which tlsconf
does not render, or Envoy Gateway's `ClientTrafficPolicy`) is reported as not checked, so a
caller never mistakes it for a pass.

`jsonschema` and `cel-python` are the `k8s` extra: they are imported only here, and only when
something is checked; `missing_extra()` says what to install when they are absent.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from msgspec import Struct, field

EXTRA_MODULES = ("jsonschema", "celpy")
_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "labels", "annotations", "finalizers",
    "ownerReferences",
})
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")


class ManifestProblem(Struct, frozen=True):
    file: str
    doc: int  # 1-based YAML document number in `file`
    kind: str
    name: str
    path: str  # dotted, with [i] for list items: spec.rules[0].filters[0]
    message: str

    def __str__(self) -> str:
        return f"{self.file}:doc {self.doc}: {self.kind}/{self.name}: {self.path}: {self.message}"


class Report(Struct):
    problems: list[ManifestProblem] = field(default_factory=list)
    unchecked: list[ManifestProblem] = field(default_factory=list)  # no vendored CRD
    manifests: int = 0  # checked against a CRD
    rules: int = 0  # CEL rules evaluated

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unchecked


class Crd(Struct, frozen=True):
    schema: dict[str, Any]
    cluster_scoped: bool
    source: str  # the vendored file, relative to crds/


def missing_extra() -> str | None:
    """None when the `k8s` extra is importable, else what to install (the first module that
    cannot be imported is named)."""
    import importlib

    for module in EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            return (f"checking Kubernetes manifests needs the k8s extra (module {module!r} is "
                    "missing): pip install 'tlsconf[k8s]'")
    return None


@cache
def vendored_crds() -> dict[tuple[str, str], Crd]:
    """(apiVersion, kind) → the served version's schema, from the copy shipped in the package
    (and nowhere else)."""
    from ruamel.yaml import YAML

    root = resources.files("tlsconf").joinpath("data", "k8s", "crds")
    out: dict[tuple[str, str], Crd] = {}
    for project in sorted(root.iterdir(), key=lambda t: t.name):
        for item in sorted(project.iterdir(), key=lambda t: t.name):
            if not item.name.endswith((".yaml", ".yml")):
                continue
            for doc in YAML(typ="safe", pure=False).load_all(item.read_text("utf-8")):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for version in spec["versions"]:
                    if version.get("served"):
                        key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                        out[key] = Crd(version["schema"]["openAPIV3Schema"],
                                       spec.get("scope") == "Cluster",
                                       f"{project.name}/{item.name}")
    return out


def check_files(files: Mapping[str, str]) -> Report:
    """Every YAML document of every file (name → text); files that are not YAML are skipped."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    report = Report()
    seen: dict[tuple[str, str, str], str] = {}
    for name in sorted(files):
        if not name.endswith((".yaml", ".yml")):
            continue
        try:
            docs = list(YAML(typ="safe", pure=False).load_all(files[name]))
        except YAMLError as exc:
            report.problems.append(ManifestProblem(name, 0, "?", "?", "(file)",
                                                   f"not valid YAML: {exc}"))
            continue
        for number, doc in enumerate(docs, 1):
            if doc is None:  # an empty document: kubectl skips it too
                continue
            _check_doc(report, seen, name, number, doc)
    return report


def _check_doc(report: Report, seen: dict[tuple[str, str, str], str], file: str, number: int,
               doc: Any) -> None:
    if not isinstance(doc, dict):
        report.problems.append(ManifestProblem(file, number, "?", "?", "(root)",
                                               "a manifest must be a mapping"))
        return
    kind, api_version = str(doc.get("kind", "?")), str(doc.get("apiVersion", "?"))
    meta = doc.get("metadata")
    name = str(meta.get("name", "?")) if isinstance(meta, dict) else "?"

    def problem(path: str, message: str) -> ManifestProblem:
        return ManifestProblem(file, number, kind, name, path, message)

    crd = vendored_crds().get((api_version, kind))
    if crd is None:
        report.unchecked.append(problem(
            "(root)", f"no vendored CRD for apiVersion {api_version!r} kind {kind!r}; "
            "it cannot be checked offline"))
        return
    report.manifests += 1
    namespace = str(meta.get("namespace", "")) if isinstance(meta, dict) else ""
    key = (f"{api_version.split('/')[0]}/{kind}", namespace, name)
    if key in seen:
        report.problems.append(problem("metadata.name", f"{kind} {name!r} is also {seen[key]}; "
                                       "applying both keeps only the last"))
    else:
        seen[key] = f"{file}:doc {number}"
    report.problems.extend(problem(p, m) for p, m in _metadata_errors(meta, crd.cluster_scoped))
    report.problems.extend(problem(p, m) for p, m in schema_errors(api_version, kind, doc))
    defaulted = apply_defaults(crd.schema, copy.deepcopy(doc))
    counter = [0]
    report.problems.extend(problem(p, m) for p, m in cel_errors(crd.schema, defaulted, counter))
    report.rules += counter[0]


def _metadata_errors(meta: Any, cluster_scoped: bool) -> Iterator[tuple[str, str]]:
    if not isinstance(meta, dict):
        yield "metadata", "required: a mapping with at least name"
        return
    for extra in sorted(set(meta) - _META_FIELDS):
        yield f"metadata.{extra}", f"unknown field; allowed: {', '.join(sorted(_META_FIELDS))}"
    name = meta.get("name")
    if not isinstance(name, str) or len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        yield "metadata.name", (f"{name!r} is not a DNS-1123 subdomain (lower-case letters, "
                                "digits, '-' and '.', at most 253)")
    if "namespace" in meta:
        namespace = meta["namespace"]
        if cluster_scoped:
            yield "metadata.namespace", "this kind is cluster-scoped: it has no namespace"
        elif not isinstance(namespace, str) or not _DNS_LABEL.fullmatch(namespace):
            yield "metadata.namespace", (f"{namespace!r} is not a DNS-1123 label (lower-case "
                                         "letters, digits and '-', at most 63)")
    for section in ("labels", "annotations"):
        values = meta.get(section, {})
        if not isinstance(values, dict):
            yield f"metadata.{section}", "must be a mapping of strings to strings"
            continue
        for label, value in values.items():
            if not _label_key_ok(label):
                yield f"metadata.{section}.{label}", ("not a qualified name ([prefix/]name, "
                                                      "name at most 63 characters)")
            if not isinstance(value, str):
                yield f"metadata.{section}.{label}", "must be a string"
            elif section == "labels" and not _LABEL_VALUE.fullmatch(value):
                yield f"metadata.labels.{label}", (f"{value!r} is not a label value (at most "
                                                   "63 letters, digits, '-', '_', '.')")


def _label_key_ok(key: object) -> bool:
    if not isinstance(key, str):
        return False
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return False
    return bool(_LABEL_NAME.fullmatch(name))


def dotted(parts: Iterator[Any] | list[Any] | tuple[Any, ...]) -> str:
    """('spec', 'rules', 0, 'name') → spec.rules[0].name; () → (root)."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


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


@cache
def _validator(api_version: str, kind: str) -> Any:
    import jsonschema

    schema = to_json_schema(vendored_crds()[(api_version, kind)].schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(api_version: str, kind: str, obj: Any) -> Iterator[tuple[str, str]]:
    """(path, message) for each violation of the vendored schema of (apiVersion, kind); an
    unknown field is named at its own path, with the fields that are allowed there."""
    errors = sorted(_validator(api_version, kind).iter_errors(obj),
                    key=lambda e: (dotted(list(e.absolute_path)), e.message))
    for error in errors:
        where = list(error.absolute_path)
        if error.validator == "additionalProperties" and error.validator_value is False:
            allowed = sorted(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - set(allowed)):
                yield dotted([*where, extra]), f"unknown field; allowed: {', '.join(allowed)}"
        elif error.validator == "required":
            for missing in error.validator_value:
                if isinstance(error.instance, dict) and missing not in error.instance:
                    yield dotted([*where, missing]), "required field is missing"
        else:
            yield dotted(where), error.message


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


@cache
def _program(rule: str) -> Any:
    import celpy
    import celpy.celtypes

    def split(text: Any, sep: Any) -> Any:
        return celpy.celtypes.ListType(
            [celpy.celtypes.StringType(p) for p in str(text).split(str(sep))])

    env = celpy.Environment()
    return env.program(env.compile(rule), functions={"split": split})


def cel_errors(schema: dict[str, Any], value: Any, counter: list[int],
               path: tuple[Any, ...] = ()) -> Iterator[tuple[str, str]]:
    """(path, message) for every failing CEL rule under `schema` (defaults already applied);
    `counter[0]` counts the rules evaluated."""
    import celpy.adapter
    import celpy.evaluation

    for rule in schema.get("x-kubernetes-validations", []):
        text = rule["rule"]
        if "oldSelf" in text:
            continue
        counter[0] += 1
        try:
            result = _program(text).evaluate({"self": celpy.adapter.json_to_cel(value)})
        except Exception as exc:  # cel-python raises more than CELEvalError on bad input
            result = exc
        if isinstance(result, (Exception, celpy.evaluation.CELEvalError)):
            yield dotted(path), f"rule {text!r} could not be evaluated: {result}"
        elif not bool(result):
            yield dotted(path), str(rule.get("message") or f"failed rule: {text}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name, sub in value.items():
            child = props.get(name, schema.get("additionalProperties"))
            if isinstance(child, dict):
                yield from cel_errors(child, sub, counter, (*path, name))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from cel_errors(schema["items"], item, counter, (*path, i))
