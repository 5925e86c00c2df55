"""`make bench`: requests per second of the members API against a bare Django view.

What it does, all on this machine and all bounded in time:

1. makes a fresh data directory (and SQLite database) in a temporary folder, with production
   settings (a secret key, DEBUG off; plain http, since this is loopback) — or uses the
   PostgreSQL database in DATABASE_URL when that is set (use a throwaway database);
2. migrates, and builds an organisation with 50 members and an admin's API token through
   the services (bench/_setup.py);
3. starts gunicorn with kindred.gunicorn_conf and ONE sync worker on 127.0.0.1, a free port;
4. checks that both endpoints answer 200 with the same rows, warms up, then loads
   (a) GET /api/v1/organizations/{slug}/members with the token — token auth, membership
       check, tenant scope, pagination with count, pydantic schemas — and
   (b) the same rows from a plain JsonResponse view without authentication
       (kindred/core/bench_views.py, mounted only with KINDRED_BENCH_VIEWS=1);
5. repeats the load in interleaved rounds (3 by default), printing each round's requests/s
   and ratio API / bare as it ends; then, for the best round of each endpoint, requests/s and
   p50/p95 latency, every round's figures, and the ratio of the best rounds (target >= 0.8);
   then stops the server and removes the temporary folder.

On a small machine the server and the load generator share the cores, and anything else
running disturbs one round or another: the best of several rounds is the steadiest figure.

The load generator is wrk (Debian package `wrk`) when it is installed; otherwise a small
Python generator (threads + http.client keep-alive connections) that measures the same two
figures. Nothing is installed by this script.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kindred.people.identity import new_key

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.8
HOST = "127.0.0.1"

# Prints one machine-readable line when wrk finishes: wrk --latency itself shows only the
# 50/75/90/99th percentiles, and the p95 is the figure we report.
WRK_SCRIPT = """
local token = os.getenv("KINDRED_BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "KINDRED requests=%.0f duration_us=%.0f p50_us=%.0f p95_us=%.0f p99_us=%.0f "
    .. "socket_errors=%.0f status_errors=%.0f\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class BenchError(Exception):
    pass


# Load generators ---------------------------------------------------------------------------


def run_wrk(
    name: str, url: str, token: str, *, seconds: int, connections: int, threads: int, script: Path
) -> Result:
    env = {**os.environ, "KINDRED_BENCH_TOKEN": token}
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    match = re.search(
        r"KINDRED requests=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) p99_us=(\d+) "
        r"socket_errors=(\d+) status_errors=(\d+)",
        done.stdout,
    )
    if done.returncode != 0 or match is None:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    requests, duration_us, p50, p95, p99, socket_errors, status_errors = map(int, match.groups())
    return Result(
        name=name,
        requests=requests,
        seconds=duration_us / 1e6,
        p50_ms=p50 / 1000,
        p95_ms=p95 / 1000,
        p99_ms=p99 / 1000,
        errors=socket_errors + status_errors,
    )


def run_python(
    name: str, url: str, token: str, *, seconds: int, connections: int, threads: int
) -> Result:
    """Fallback without wrk: one thread per connection, each looping over a keep-alive
    connection until the deadline. Slower than wrk (it shares the GIL and the CPU with the
    server), so its absolute figures are lower; the ratio is still meaningful."""
    del threads  # one thread per connection
    parts = urlsplit(url)
    path, port = parts.path, parts.port
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.monotonic() + seconds

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                continue
            latencies[slot].append(time.perf_counter() - started)
            if response.status != 200:
                errors[slot] += 1
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=seconds + 10)
    elapsed = time.monotonic() - started
    samples = sorted(x for slot in latencies for x in slot)
    if not samples:
        raise BenchError(f"{name}: no request succeeded")

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, int(len(samples) * p / 100))] * 1000

    return Result(name, len(samples), elapsed, pct(50), pct(95), pct(99), sum(errors))


# The server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, token: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_up(port: int, path: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError("gunicorn exited during start-up")
        try:
            status, _body = get(port, path)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise BenchError(f"{path} answered {status} at start-up")
    raise BenchError(f"gunicorn did not answer within {seconds:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # the server was started in its own group
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# Main --------------------------------------------------------------------------------------


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, list[Result]]:
    """Every round's result per endpoint, API first."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kindred.settings",
        "KINDRED_DATA_DIR": str(workdir / "data"),
        "KINDRED_SECRET_KEY": secrets.token_urlsafe(50),
        "KINDRED_ENCRYPTION_KEYS": new_key("bench"),
        "KINDRED_DEBUG": "0",
        "KINDRED_SSL_REDIRECT": "0",  # plain http on loopback
        "KINDRED_ALLOWED_HOSTS": HOST,
        "KINDRED_BENCH_VIEWS": "1",
        "KINDRED_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    (workdir / "data" / "static").mkdir(parents=True)  # whitenoise warns when it is missing
    database = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite (fresh)"
    print(f"Setting up: {database}, migrate, 50 members, one API token …", flush=True)
    manage(env, "-m", "kindred", "migrate", "--noinput", "-v", "0")
    setup = json.loads(manage(env, str(ROOT / "bench" / "_setup.py")).strip().splitlines()[-1])
    slug, token = setup["slug"], setup["token"]
    api_path = f"/api/v1/organizations/{slug}/members"
    bare_path = f"/bench/o/{slug}/members"

    port = free_port()
    log_path = workdir / "gunicorn.log"
    server_env = {
        **env,
        "KINDRED_WEB_WORKERS": "1",
        "KINDRED_BIND": f"{HOST}:{port}",
        # A worker recycled mid-run would start cold and charge its imports to one endpoint.
        "KINDRED_WEB_MAX_REQUESTS": "0",
    }
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:kindred.gunicorn_conf",
                "kindred.wsgi",
            ],
            env=server_env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_until_up(port, bare_path, server)
            check_same_rows(port, api_path, bare_path, token)
        except BenchError:
            print(log_path.read_text()[-3000:], file=sys.stderr)
            raise

        wrk = shutil.which("wrk") if not args.python_loadgen else None
        generator = "wrk" if wrk else "Python threads" if args.python_loadgen else "Python (no wrk)"
        print(
            f"gunicorn: 1 sync worker on {HOST}:{port}; load: {generator}, "
            f"{args.connections} connections, {args.threads} threads, "
            f"{args.seconds} s per endpoint, {args.rounds} round(s)",
            flush=True,
        )
        script = workdir / "kindred.lua"
        script.write_text(WRK_SCRIPT)
        targets = [("API (token)", api_path, token), ("bare Django", bare_path, "")]

        def load(name: str, path: str, tok: str, seconds: int) -> Result:
            url = f"http://{HOST}:{port}{path}"
            options = {"seconds": seconds, "connections": args.connections}
            if wrk:
                return run_wrk(name, url, tok, threads=args.threads, script=script, **options)
            return run_python(name, url, tok, threads=args.threads, **options)

        for name, path, tok in targets:  # warm-up: imports, connection, caches
            load(name, path, tok, args.warmup)
        rounds: dict[str, list[Result]] = {name: [] for name, _path, _tok in targets}
        # Interleaved, so that drift in the machine's load affects both endpoints alike.
        for number in range(1, args.rounds + 1):
            for name, path, tok in targets:
                rounds[name].append(load(name, path, tok, args.seconds))
            api, bare = (results[-1] for results in rounds.values())
            print(
                f"  round {number}: API {api.rps:.0f}/s, bare {bare.rps:.0f}/s, "
                f"ratio {ratio_of(api, bare):.2f}",
                flush=True,
            )
        return rounds
    finally:
        stop(server)


def check_same_rows(port: int, api_path: str, bare_path: str, token: str) -> None:
    status, body = get(port, api_path, token)
    if status != 200:
        raise BenchError(f"{api_path} answered {status}: {body[:300]!r}")
    api = json.loads(body)
    status, body = get(port, bare_path)
    bare = json.loads(body)
    if [m["id"] for m in api["items"]] != [m["id"] for m in bare["items"]]:
        raise BenchError("the API and the bare view do not return the same rows")
    if api["count"] != 50 or len(api["items"]) != 50:
        raise BenchError(f"expected 50 members, the API says {api['count']}")


def ratio_of(api: Result, bare: Result) -> float:
    return api.rps / bare.rps if bare.rps else 0.0


def report(rounds: dict[str, list[Result]]) -> tuple[list[Result], float]:
    """Print the best round of each endpoint (the one least disturbed by anything else on
    the machine), every round's requests/s, and the ratio of the best rounds."""
    api, bare = (max(results, key=lambda r: r.rps) for results in rounds.values())
    ratio = ratio_of(api, bare)
    print()
    print(f"{'endpoint':<44} {'requests/s':>11} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    rows = [
        ("GET /api/v1/organizations/{slug}/members", api),
        ("GET /bench/o/{slug}/members (bare Django)", bare),
    ]
    for label, r in rows:
        print(f"{label:<44} {r.rps:>11.0f} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.errors:>7}")
    if len(rounds["API (token)"]) > 1:
        for name, results in rounds.items():
            print(f"  {name}, every round: " + ", ".join(f"{r.rps:.0f}" for r in results))
        pairs = zip(*rounds.values(), strict=True)
        print("  ratio, every round: " + ", ".join(f"{ratio_of(a, b):.2f}" for a, b in pairs))
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    print(f"\nratio API / bare: {ratio:.2f} ({verdict} the target of {TARGET_RATIO})")
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}; "
        "one sync gunicorn worker; server and load generator share the machine."
    )
    return [api, bare], ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="load per endpoint (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up per endpoint (2)")
    parser.add_argument("--connections", type=int, default=4, help="open connections (4)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--rounds", type=int, default=3, help="repeat, report the best (3)")
    parser.add_argument(
        "--python-loadgen", action="store_true", help="use the Python generator even with wrk"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not (1 <= args.seconds <= 120 and 1 <= args.connections <= 64 and 1 <= args.rounds <= 10):
        parser.error("--seconds must be 1-120, --connections 1-64 and --rounds 1-10")
    args.threads = max(1, min(args.threads, args.connections))

    # Ctrl+C or a kill must still stop gunicorn and remove the temporary directory.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        try:
            rounds = bench(args, Path(tmp))
        except BenchError as error:
            print(f"bench failed: {error}", file=sys.stderr)
            return 1
    results, ratio = report(rounds)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {
            r.name: {"rps": round(r.rps, 1), "p50_ms": r.p50_ms, "p95_ms": r.p95_ms}
            for r in results
        }
        args.json.write_text(json.dumps({"results": figures, "ratio": round(ratio, 3)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
