"""`tlsconf verify`: prove a running endpoint serves what the spec says (see behaviour.py)."""
