"""Gunicorn settings for production: `gunicorn -c python:kindred.gunicorn_conf kindred.wsgi`.

Sync workers, because Kindred's views are short, database-bound and written for one request
per process; with persistent database connections (KINDRED_CONN_MAX_AGE) each worker keeps
its connection between requests. Scale by adding workers (and machines), not threads.
Run `kindred worker` beside it for background tasks.

Environment:
  KINDRED_BIND           address to listen on (default 127.0.0.1:8000; behind a reverse proxy)
  KINDRED_WEB_WORKERS    number of worker processes (default 2 * CPU cores + 1)
  KINDRED_WEB_TIMEOUT    seconds before a stuck worker is restarted (default 30)
  KINDRED_WEB_MAX_REQUESTS  requests after which a worker is replaced (default 2000; 0: never)
  KINDRED_ACCESS_LOG     "1" to log every request to stderr (default off: the proxy logs them)
  KINDRED_FORWARDED_ALLOW_IPS   proxies whose X-Forwarded-* headers gunicorn trusts
                                (default 127.0.0.1,::1: a proxy on the same machine)
  KINDRED_GUNICORN_LOG_LEVEL    gunicorn's own log level (default info)
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


wsgi_app = "kindred.wsgi:application"
bind = [address.strip() for address in os.environ.get("KINDRED_BIND", "127.0.0.1:8000").split(",")]
worker_class = "sync"
workers = _int("KINDRED_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1)
timeout = _int("KINDRED_WEB_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in any library cannot grow without bound; the
# jitter keeps them from all restarting at the same moment. 0 never recycles (`make bench`).
max_requests = _int("KINDRED_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Only the reverse proxy on this machine may set X-Forwarded-*; gunicorn's own default.
forwarded_allow_ips = os.environ.get("KINDRED_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Gunicorn 25+ opens a control socket in $XDG_RUNTIME_DIR or ~/.gunicorn by default; Kindred
# is managed by systemd signals instead, and two instances would fight over the same path.
control_socket_disable = True

accesslog = "-" if _bool("KINDRED_ACCESS_LOG") else None
errorlog = "-"
loglevel = os.environ.get("KINDRED_GUNICORN_LOG_LEVEL", "info")
