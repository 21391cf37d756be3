# Excerpt of aerohive/HiveClass hiveclass-server-master/deploy/roles/rp/templates/haproxy.cfg.tpl
# (the Ansible template itself): see ../PROVENANCE.md.
global
    tune.ssl.default-dh-param 2048
    ssl-default-bind-options no-sslv3 no-tls-tickets

defaults
    mode http
    timeout connect 5s
    timeout client 50s
    timeout server 50s

frontend https-in
    bind *:{{ rp.http.external.port }} ssl crt /etc/ssl/site.pem
    default_backend http

backend http
    server http 127.0.0.1:{{ rp.http.internal.port }}
