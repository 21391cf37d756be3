"""Manifests for the Kubernetes tests: read rendered text, and check objects with the product's
own validator (`tlsconf.k8s_schema`, which reads the CRDs shipped in the package)."""

from __future__ import annotations

import json
from typing import Any

from ruamel.yaml import YAML

from tlsconf import k8s_schema


def load_manifests(text: str) -> list[dict[str, Any]]:
    return [doc for doc in YAML(typ="safe", pure=False).load_all(text) if doc]


def validate(obj: dict[str, Any]) -> list[str]:
    """`path: message` for each problem of one object, a missing CRD included ([] when valid)."""
    report = k8s_schema.check_files({"object.yaml": json.dumps(obj)})
    return [f"{p.path}: {p.message}" for p in (*report.problems, *report.unchecked)]
