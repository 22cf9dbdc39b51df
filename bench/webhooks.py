#!/usr/bin/env python3
"""Webhooks under load: what a live hook costs the request that causes a delivery, and how fast
one instance drains a hook's queue to a receiver on loopback.

Usage: bench/webhooks.py [CREATES]   (default 500; PostgreSQL from PGHOST/PGPORT/PGUSER)
Recreates the database khoi_bench_hooks, loads the demo bloc with `khoi seed-demo`, starts
target/release/khoi on 127.0.0.1:18090 (KHOI_BIN to use another binary) and, from one client:
  1. creates CREATES tasks with no webhook              -> create latency p50/p99
  2. registers a hook for task.* to a local receiver,
     creates CREATES tasks again                         -> create latency p50/p99 with the hook
  3. waits until the receiver has every delivery         -> deliveries per second
  4. restarts with delivery off, queues CREATES more, restarts with it on
                                                         -> how fast a backlog drains
With KHOI_BIN set to a build without webhooks, only step 1 runs (the before figure).
"""
import functools, http.server, os, statistics, subprocess, sys, threading, time, urllib.error
from common import SECRET, call, khoi_bin, pg_url, psql, wait

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
KHOI = khoi_bin()
DB = "khoi_bench_hooks"
URL = pg_url(DB)
BASE = "http://127.0.0.1:18090"
PASSWORD = "bench-password-2016"
ENV = dict(os.environ, DATABASE_URL=URL, KHOI_JWT_SECRET=SECRET,
           KHOI_BIND="127.0.0.1:18090", KHOI_LOG="warn", KHOI_ADMIN_PASSWORD=PASSWORD,
           # The receiver is this script, on loopback over plain HTTP: the operator allows both.
           KHOI_WEBHOOK_ALLOW_HTTP="true", KHOI_WEBHOOK_ALLOW_NETS="127.0.0.1")

call = functools.partial(call, BASE)

def creates(token, label):
    times = []
    for i in range(N):
        t = time.perf_counter()
        call("POST", "/api/v1/tasks", {"title": f"Vận động hộ gia đình {label} số {i}"}, token)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]

got = []
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        got.append(time.perf_counter())
        self.send_response(204); self.end_headers()
    def log_message(self, *a):
        pass

def start(extra=None):
    server = subprocess.Popen([KHOI, "serve"], env=dict(ENV, **(extra or {})))
    wait(BASE, server)
    return server

def main():
    psql("postgres", f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE); CREATE DATABASE "{DB}";')
    subprocess.run([KHOI, "seed-demo", "--password", PASSWORD], env=ENV, check=True, stdout=subprocess.DEVNULL)
    server = start()
    try:
        token = call("POST", "/api/v1/auth/login", {"username": "demo.head", "password": PASSWORD})["access_token"]
        p50, p99 = creates(token, "A")
        print(f"| create, no webhook | {N} | p50 {p50:.2f} ms, p99 {p99:.2f} ms |")
        try:
            call("GET", "/api/v1/webhooks", token=token)
        except urllib.error.HTTPError:
            return  # a build without webhooks: the before figure only
        rx = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=rx.serve_forever, daemon=True).start()
        call("POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{rx.server_port}/hook", "events": ["task.*"]}, token)
        began = time.perf_counter()
        p50, p99 = creates(token, "B")
        written = time.perf_counter()
        print(f"| create, one live webhook | {N} | p50 {p50:.2f} ms, p99 {p99:.2f} ms |")
        while len(got) < N and time.perf_counter() - written < 120:
            time.sleep(0.05)
        done = got[-1] if got else time.perf_counter()
        print(f"| deliveries | {len(got)} of {N} | {len(got) / (done - began):.0f}/s while writing; "
              f"last one {max(0.0, (done - written) * 1000):.0f} ms after the last create |")
        server.terminate(); server.wait()
        server = start({"KHOI_WEBHOOK_DELIVERY": "off"})
        creates(token, "C")
        server.terminate(); server.wait()
        before = len(got)
        t0 = time.perf_counter()
        server = start()
        while len(got) < before + N and time.perf_counter() - t0 < 120:
            time.sleep(0.01)
        took = got[-1] - t0
        print(f"| backlog after a restart | {len(got) - before} of {N} | drained in {took:.2f} s "
              f"({(len(got) - before) / took:.0f}/s, start-up included) |")
    finally:
        server.terminate(); server.wait()

main()
