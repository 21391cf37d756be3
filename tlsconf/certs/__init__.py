"""Certificates, offline: checks on the files a spec or config names, inspection, and
generation (private keys, CSRs, a local development CA, HAProxy bundles) with `cryptography`.

`files` is the only module that reads or writes files; `checks` is pure over what it read.
Nothing here prints, and no message quotes a file's contents or a key's bytes.
"""
