"""Strong configurations written from the Mozilla facts (guideline 6.0, intermediate) for every
input kind. Each lints clean; the per-rule cases in `cases.py` each add one weakness."""

INTERMEDIATE_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
TLS13_SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

NGINX = f"""\
http {{
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {INTERMEDIATE_CIPHERS};
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_session_cache shared:MozSSL:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
    ssl_prefer_server_ciphers off;
    server_tokens off;
    server {{
        listen 443 ssl default_server;
        ssl_reject_handshake on;
    }}
    server {{
        listen 443 ssl;
        http2 on;
        server_name example.com;
        ssl_certificate /etc/ssl/example.pem;
        ssl_certificate_key /etc/ssl/example.key;
        add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
        location / {{
            proxy_pass http://127.0.0.1:8080;
            proxy_set_header Host $host;
        }}
    }}
    server {{
        listen 80 default_server;
        return 301 https://$host$request_uri;
    }}
}}
"""

NGINX_MODERN = (NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1.3;")
                .replace(f"    ssl_ciphers {INTERMEDIATE_CIPHERS};\n", ""))

HAPROXY = f"""\
global
    ssl-default-bind-curves X25519:prime256v1:secp384r1
    ssl-default-bind-ciphers {INTERMEDIATE_CIPHERS}
    ssl-default-bind-ciphersuites {TLS13_SUITES}
    ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets

frontend fe
    mode http
    bind :443 ssl crt /etc/haproxy/example.pem alpn h2,http/1.1 strict-sni
    bind :80
    http-request redirect scheme https unless {{ ssl_fc }}
    http-response set-header Strict-Transport-Security "max-age=63072000; includeSubDomains"
    default_backend be

backend be
    server s1 127.0.0.1:8080 check
"""

HAPROXY_MODERN = (HAPROXY.replace("ssl-min-ver TLSv1.2", "ssl-min-ver TLSv1.3")
                  .replace(f"    ssl-default-bind-ciphers {INTERMEDIATE_CIPHERS}\n", ""))

TRAEFIK = """\
http:
  routers:
    app:
      rule: Host(`example.com`)
      service: app
      middlewares: [hsts]
      tls:
        options: default
  middlewares:
    hsts:
      headers:
        stsSeconds: 63072000
        stsIncludeSubdomains: true
  services:
    app:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:8080
tls:
  options:
    default:
      minVersion: VersionTLS12
      sniStrict: true
      curvePreferences: [X25519MLKEM768, X25519, CurveP256, CurveP384]
      cipherSuites:
        - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
"""

TRAEFIK_MODERN = """\
http:
  routers:
    app:
      rule: Host(`example.com`)
      service: app
      middlewares: [hsts]
      tls: {}
  middlewares:
    hsts:
      headers:
        stsSeconds: 63072000
        stsIncludeSubdomains: true
  services:
    app:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:8080
tls:
  options:
    default:
      minVersion: VersionTLS13
      sniStrict: true
      curvePreferences: [X25519MLKEM768, X25519, CurveP256, CurveP384]
"""

TRAEFIK_TOML = """\
[http.routers.app]
  rule = "Host(`example.com`)"
  service = "app"
  middlewares = ["hsts"]
  [http.routers.app.tls]
    options = "default"

[http.middlewares.hsts.headers]
  stsSeconds = 63072000
  stsIncludeSubdomains = true

[[http.services.app.loadBalancer.servers]]
  url = "http://127.0.0.1:8080"

[tls.options.default]
  minVersion = "VersionTLS12"
  sniStrict = true
  curvePreferences = ["X25519MLKEM768", "X25519", "CurveP256", "CurveP384"]
  cipherSuites = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  ]
"""

SPEC = """\
sites:
  - name: example
    domains: [example.com]
    tls:
      certificate: /etc/ssl/example.pem
      key: /etc/ssl/example.key
      profile: intermediate
    upstreams: [{address: "127.0.0.1:8080"}]
"""

SPEC_MODERN = SPEC.replace("profile: intermediate", "profile: modern")

# The Traefik TLSOption `default` in namespace web, TLS 1.2 and up, strict SNI: the start of the
# one below and of the smaller ones in tests/test_lint_k8s.py.
TLSOPTION_HEAD = """\
apiVersion: traefik.io/v1alpha1
kind: TLSOption
metadata:
  name: default
  namespace: web
spec:
  minVersion: VersionTLS12
  sniStrict: true
"""

# One policy of each implementation tlsconf reads from Kubernetes manifests: a Traefik TLSOption
# (`default`, used by an IngressRoute), an Envoy Gateway ClientTrafficPolicy on its Gateway, and
# NGINX Gateway Fabric listener options; the second Gateway has no options (no subject).
K8S = TLSOPTION_HEAD + f"""\
  curvePreferences: [X25519, CurveP256, CurveP384]
  cipherSuites:
    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305
    - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: app
  namespace: web
spec:
  entryPoints: [websecure]
  routes:
    - kind: Rule
      match: Host(`example.com`)
      services: [{{name: app, port: 80}}]
  tls:
    secretName: app-tls
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata:
  name: edge
  namespace: gateways
spec:
  targetRefs:
    - {{group: gateway.networking.k8s.io, kind: Gateway, name: envoy}}
  tls:
    minVersion: "1.2"
    maxVersion: "1.3"
    ciphers:
      - "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]"
      - "[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]"
      - ECDHE-ECDSA-AES256-GCM-SHA384
      - ECDHE-RSA-AES256-GCM-SHA384
    ecdhCurves: [X25519, P-256, P-384]
    session:
      resumption:
        stateless: {{}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: envoy
  namespace: gateways
spec:
  gatewayClassName: eg
  listeners:
    - name: https
      hostname: envoy.example.com
      port: 443
      protocol: HTTPS
      tls:
        certificateRefs: [{{name: envoy-tls}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: nginx
  namespace: gateways
spec:
  gatewayClassName: nginx
  listeners:
    - name: https
      hostname: nginx.example.com
      port: 443
      protocol: HTTPS
      tls:
        certificateRefs: [{{name: nginx-tls}}]
        options:
          nginx.org/ssl-protocols: TLSv1.2 TLSv1.3
          nginx.org/ssl-ciphers: {INTERMEDIATE_CIPHERS}
          nginx.org/ssl-ecdh-curve: X25519:prime256v1:secp384r1
          nginx.org/ssl-prefer-server-ciphers: "off"
"""

# An Envoy bootstrap (lines counted in tests/lint/cases.py): one SNI chain at 6-43 (tls_params
# 13-23, its virtual host 35, HSTS 41-42), the port-80 redirect at 44-58, a plain cluster at 60.
_ENVOY_API = "type.googleapis.com/envoy.extensions."
_ENVOY_HCM = _ENVOY_API + "filters.network.http_connection_manager.v3.HttpConnectionManager"
_ENVOY_ROUTER = "{name: router, typed_config: {'@type': " + _ENVOY_API \
    + "filters.http.router.v3.Router}}"
ENVOY = f"""\
static_resources:
  listeners:
    - name: https
      address: {{socket_address: {{address: 0.0.0.0, port_value: 443}}}}
      filter_chains:
        - name: site
          filter_chain_match: {{server_names: [example.com]}}
          transport_socket:
            name: envoy.transport_sockets.tls
            typed_config:
              "@type": {_ENVOY_API}transport_sockets.tls.v3.DownstreamTlsContext
              common_tls_context:
                tls_params:
                  tls_minimum_protocol_version: TLSv1_2
                  tls_maximum_protocol_version: TLSv1_3
                  cipher_suites:
                    - ECDHE-ECDSA-AES128-GCM-SHA256
                    - ECDHE-RSA-AES128-GCM-SHA256
                    - ECDHE-ECDSA-AES256-GCM-SHA384
                    - ECDHE-RSA-AES256-GCM-SHA384
                    - ECDHE-ECDSA-CHACHA20-POLY1305
                    - ECDHE-RSA-CHACHA20-POLY1305
                  ecdh_curves: [X25519MLKEM768, X25519, P-256, P-384]
                tls_certificates:
                  - certificate_chain: {{filename: /etc/ssl/site.pem}}
                    private_key: {{filename: /etc/ssl/site.key}}
                alpn_protocols: [h2, http/1.1]
          filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": {_ENVOY_HCM}
                stat_prefix: https
                route_config:
                  virtual_hosts:
                    - name: site
                      domains: [example.com]
                      routes:
                        - match: {{prefix: /}}
                          route: {{cluster: app}}
                  response_headers_to_add:
                    - header: {{key: Strict-Transport-Security,
                               value: "max-age=63072000; includeSubDomains"}}
                http_filters: [{_ENVOY_ROUTER}]
    - name: http
      address: {{socket_address: {{address: 0.0.0.0, port_value: 80}}}}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": {_ENVOY_HCM}
                stat_prefix: http
                route_config:
                  virtual_hosts:
                    - name: redirect
                      domains: ["*"]
                      routes:
                        - match: {{prefix: /}}
                          redirect: {{https_redirect: true}}
  clusters:
    - name: app
      type: STATIC
"""

# Caddy JSON: one SNI policy at 8-22 (versions 10-11, suites 12-19, curves 20), the site's route
# with HSTS at 26-33 (header 29-30), the port-80 redirect server at 36-46, certificates at 49.
CADDY = """\
{
  "apps": {
    "http": {
      "servers": {
        "https": {
          "listen": [":443"],
          "tls_connection_policies": [
            {
              "match": {"sni": ["example.com"]},
              "protocol_min": "tls1.2",
              "protocol_max": "tls1.3",
              "cipher_suites": [
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
              ],
              "curves": ["x25519mlkem768", "x25519", "secp256r1", "secp384r1"],
              "certificate_selection": {"any_tag": ["site"]}
            }
          ],
          "automatic_https": {"disable": true},
          "routes": [
            {
              "match": [{"host": ["example.com"]}],
              "handle": [
                {"handler": "headers", "response": {"set": {
                  "Strict-Transport-Security": ["max-age=63072000; includeSubDomains"]}}},
                {"handler": "reverse_proxy", "upstreams": [{"dial": "127.0.0.1:8080"}]}
              ]
            }
          ]
        },
        "http": {
          "listen": [":80"],
          "automatic_https": {"disable": true},
          "routes": [
            {
              "match": [{"host": ["example.com"]}],
              "handle": [{"handler": "static_response", "status_code": 308, "headers": {
                "Location": ["https://{http.request.host}{http.request.uri}"]}}]
            }
          ]
        }
      }
    },
    "tls": {"certificates": {"load_files": [
      {"certificate": "/etc/ssl/site.pem", "key": "/etc/ssl/site.key", "tags": ["site"]}]}}
  }
}
"""

BASELINES = {"spec": SPEC, "nginx": NGINX, "haproxy": HAPROXY, "traefik": TRAEFIK, "k8s": K8S,
             "envoy": ENVOY, "caddy": CADDY}
FILENAMES = {"spec": "site.tlsconf.yaml", "nginx": "nginx.conf", "haproxy": "haproxy.cfg",
             "traefik": "dynamic.yml", "k8s": "manifests.yaml", "envoy": "envoy.yaml",
             "caddy": "caddy.json"}
