"""tlsconf: declarative TLS termination for nginx, HAProxy and Traefik."""

__version__ = "0.1.0"
