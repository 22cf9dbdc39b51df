#!/usr/bin/env python3
"""The province summary at scale: GET /api/v1/reports/summary for a whole province, as the
portal, and for one bloc, from one client.

Times the seed's whole period (from 2016) and the default one (this year, whose task counts come
from the kept tallies and which holds no campaign of the seed).

Usage: bench/summary.py DBNAME [REQUESTS]   (after bench/seed.py DBNAME N; default 20 requests)
Every bloc bench/seed.py makes is in Quảng Ninh: 50 blocs, each with its tasks and a campaign of
16 communes × 24 monthly figures. Starts target/release/khoi on 127.0.0.1:18091.
"""
import json, os, statistics, subprocess, sys, time, urllib.request
from common import SECRET, call, khoi_bin, pg_url, wait

DB = sys.argv[1] if len(sys.argv) > 1 else "khoi_bench"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20
KHOI = khoi_bin()
BASE = "http://127.0.0.1:18091"
PASSWORD = "bench-password-2016"
ENV = dict(os.environ, DATABASE_URL=pg_url(DB),
           KHOI_JWT_SECRET=SECRET, KHOI_BIND="127.0.0.1:18091",
           KHOI_LOG="warn", KHOI_WEBHOOK_DELIVERY="off", KHOI_SCHEDULER="off", KHOI_NOTIFY_SEND="off")

def get(path, token):
    req = urllib.request.Request(BASE + path)
    req.add_header("authorization", "Bearer " + token)
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = json.loads(r.read())
    return (time.perf_counter() - t) * 1000, body

def main():
    subprocess.run([KHOI, "create-user", "--username", "portal.bench", "--role", "portal", "--province", "Quảng Ninh"],
                   env=ENV, input=PASSWORD.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = subprocess.Popen([KHOI, "serve"], env=ENV)
    try:
        wait(BASE, server)
        token = call(BASE, "POST", "/api/v1/auth/login", {"username": "portal.bench", "password": PASSWORD})["access_token"]
        _, body = get("/api/v1/reports/summary?from=2016-01-01", token)
        blocs = body["blocs"]
        tasks = body["totals"]["tasks"]["total"]
        figures = sum(len(c["targets"]) for b in blocs for c in b["campaigns"])
        for label, path in [("province", "/api/v1/reports/summary?from=2016-01-01"),
                            ("province, this year", "/api/v1/reports/summary"),
                            ("one bloc", f"/api/v1/reports/summary?from=2016-01-01&bloc_id={blocs[0]['bloc_id']}")]:
            times = sorted(get(path, token)[0] for _ in range(N))
            print(f"| {label} | {len(blocs) if label.startswith('province') else 1} blocs | "
                  f"p50 {statistics.median(times):.1f} ms, p99 {times[max(0, int(len(times) * 0.99) - 1)]:.1f} ms, max {times[-1]:.1f} ms |")
        print(f"(the province: {len(blocs)} blocs, {tasks} tasks alive in the period, {figures} campaign targets)")
    finally:
        server.terminate(); server.wait()

main()
