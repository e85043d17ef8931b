"""The reviewer's queue page and GET /api/v1/tasks under 16 concurrent clients.

    python bench/bench_web.py [--url URL] [--seconds 15] [--clients 16]

Starts gunicorn (gthread, 2 workers × 8 threads: this machine has 2 cores) twice:
`bench.wsgi:app` on the data set and `bench.bare:app`, a bare Flask page rendering
the same 50-row table with no database. A small threaded load client (keep-alive
connections, one per client, each logged in / holding a token) hammers each target
for the same time, one after the other: bare page, queue page (/tasks?size=50),
API (/api/v1/tasks?limit=50). Figures: p50/p95 latency and requests/s; the ratio of
each app figure to the bare page's throughput (target p95 < 50 ms, ratio >= 0.40).
Also the peak RSS (VmHWM) of each gunicorn worker after the run (target < 200 MB).

The reviewer is a bench account holding the secretary role over the last county:
about 1,000 items of the open cycle wait for them.
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from common import APP_ROOT, ROOT, county_ids, ensure_user, make_app, normalise_url, report

GUNICORN = os.path.join(ROOT, ".venv", "bin", "gunicorn")


def start(app_path, port, url):
    env = dict(os.environ, BENCH_URL=url, PYTHONPATH=f"{APP_ROOT}:{ROOT}")
    proc = subprocess.Popen(
        [GUNICORN, "-k", "gthread", "-w", "2", "--threads", "8", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app_path], cwd=ROOT, env=env, start_new_session=True)
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{app_path} did not start")


def worker_peak_rss(proc):
    """VmHWM (peak RSS) of each gunicorn worker, in MB."""
    out = []
    for pid in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                              text=True).stdout.split():
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        out.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return out


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def login_cookie(port, username):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = urlencode({"username": username, "password": "password123"})
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    cookie = resp.getheader("Set-Cookie", "").split(";", 1)[0]
    if resp.status not in (302, 303) or not cookie:
        raise SystemExit(f"login failed: {resp.status}")
    return {"Cookie": cookie}


def token_header(port, username):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/api/v1/tokens",
                  json.dumps({"username": username, "password": "password123"}),
                  {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    return {"Authorization": f"Bearer {data['token']}"}


def load(port, path, headers, clients, seconds):
    """[latency s] of every request completed by `clients` threads in `seconds`."""
    latencies, errors = [], []
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append(resp.status)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(type(exc).__name__)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "errors": len(errors), "rps": round(n / wall, 1),
            "p50_ms": round(latencies[n // 2] * 1000, 1) if n else None,
            "p95_ms": round(latencies[int(n * 0.95)] * 1000, 1) if n else None}


def run(url, seconds, clients):
    app = make_app(url)
    with app.app_context():
        county = county_ids()[-1]
        username = ensure_user(f"bench_sec_{county}", "secretary", county).username
    figures = {}
    bare = start("bench.bare:app", 8771, url)
    try:
        load(8771, "/tasks", {}, clients, 2)  # warm-up
        figures["bare"] = load(8771, "/tasks", {}, clients, seconds)
    finally:
        stop(bare)
    web = start("bench.wsgi:app", 8772, url)
    try:
        cookie = login_cookie(8772, username)
        token = token_header(8772, username)
        load(8772, "/tasks?size=50", cookie, clients, 2)
        figures["queue_page"] = load(8772, "/tasks?size=50", cookie, clients, seconds)
        load(8772, "/api/v1/tasks?limit=50", token, clients, 2)
        figures["api_tasks"] = load(8772, "/api/v1/tasks?limit=50", token, clients, seconds)
        rss = worker_peak_rss(web)
    finally:
        stop(web)
    base = figures["bare"]["rps"]
    for key in ("queue_page", "api_tasks"):
        f = figures[key]
        f["ratio_to_bare"] = round(f["rps"] / base, 3) if base else None
        f["met"] = bool(f["p95_ms"] is not None and f["p95_ms"] < 50
                        and f["ratio_to_bare"] >= 0.4 and not f["errors"])
    figures["web_worker_peak_rss_mb"] = round(max(rss), 1) if rss else None
    report("web", url, {"clients": clients, "seconds": seconds, **figures})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get(
        "BENCH_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/kaohe_bench"))
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    sys.exit(run(normalise_url(args.url), args.seconds, args.clients))
