"""`tlsconf cert bundle`: the single PEM HAProxy < 3.0 wants for `crt` — the leaf, its chain
in issuer order, then the private key — after checking that the key belongs to the leaf."""

from __future__ import annotations

from tlsconf.certs import chain, files, generate, keys
from tlsconf.errors import Location, Problem, TlsconfError


def build_bundle(cert_path: str, key_path: str) -> tuple[str, list[str]]:
    """The bundle's text and notes for the user. Raises TlsconfError on any problem."""
    certs, issues = files.read_certificates(cert_path)
    key, key_issues = files.read_private_key(key_path)
    # The source key's mode is the user's business; the bundle is written 0600 regardless.
    issues += [i for i in key_issues if i.check != "key-file-permissions"]
    if issues:
        raise TlsconfError(Problem(Location(i.path), "", i.message) for i in issues)
    assert key is not None
    shape = chain.layout(certs)
    if not keys.matches(key, certs[shape.leaf]):
        raise TlsconfError.single(Location(key_path), "",
                                  f"does not belong to the leaf certificate in {cert_path}; "
                                  "refusing to bundle them")
    if shape.unrelated:
        raise TlsconfError.single(Location(cert_path), "", chain.order_problem(certs, shape) or "")
    notes = []
    if shape.path != tuple(range(len(shape.path))):
        notes.append(f"{cert_path}: the chain was out of order; the bundle has the leaf first, "
                     "then each issuer")
    text = generate.cert_pem(*(certs[i] for i in shape.path)) + generate.key_pem(key)
    return text, notes
