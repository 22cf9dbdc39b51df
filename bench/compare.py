#!/usr/bin/env python3
"""khoi against the stacks a team would pick instead, on the same tables and the same JWT check.

Usage: bench/compare.py [DBNAME] [SECONDS]     (after bench/seed.py DBNAME 1000000)
Needs wrk and pgbench (Debian), the peers' packages: pip install -r bench/peers/fastapi/requirements.txt
and (cd bench/peers/fastify && npm ci), and target/release/khoi.

Measures, from a second process on loopback, at 1, 8, 32 and 128 connections:
  khoi     list (status filter, 50 a page; kept, and built from the database each request),
           detail, search (q=), create, campaign progress
  FastAPI  list, detail (uvicorn, 2 workers, asyncpg)
  Fastify  list, detail (one Node.js process, pg)
  pgbench  the list's and the detail's SQL directly (the database's own ceiling)
and the peak memory (VmHWM, summed over each server's processes). Prints Markdown tables.
"""
import os, re, subprocess, sys
from common import PGHOST as HOST, PGPORT as PORT, PGUSER as USER, ROOT, SECRET, call, khoi_bin, pg_url, wait, wrk_figures

DB = sys.argv[1] if len(sys.argv) > 1 else "khoi_bench"
SECS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
CONNS = [int(c) for c in os.environ.get("CONNS", "1,8,32,128").split(",")]
KHOI = khoi_bin()
# The sign-in limits count in the database: lifted, so that a benchmark run just before does not
# use up this one's sign-in.
ENV = dict(os.environ, DATABASE_URL=pg_url(DB), KHOI_JWT_SECRET=SECRET, KHOI_LOG="warn", KHOI_DB_MAX_CONNECTIONS="32", POOL="32",
           KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000")
# The peers have no /ready: any answer to a task that does not exist means up.
PROBE = "/api/v1/tasks/00000000-0000-0000-0000-000000000000"


def wrk(url, token, conns, extra=None, env=None):
    cmd = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{SECS}s", "--latency", "-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd + (extra or []) + [url], capture_output=True, text=True, env=dict(os.environ, **(env or {}))).stdout
    errors = re.search(r"Socket errors: (.*)", out)
    return (*wrk_figures(out), errors.group(1) if errors else "")


def pgbench(script, conns, defines):
    cmd = ["pgbench", "-n", "-M", "prepared", "-h", HOST, "-p", PORT, "-U", USER, f"-c{conns}", f"-j{min(2, conns)}", f"-T{SECS}",
           "-f", os.path.join(ROOT, "bench", "pgbench", script)]
    for k, v in defines.items():
        cmd += ["-D", f"{k}={v}"]
    out = subprocess.run(cmd + [DB], capture_output=True, text=True).stdout
    tps = re.search(r"tps = ([\d.]+)", out)
    lat = re.search(r"latency average = ([\d.]+) ms", out)
    return float(tps.group(1)) if tps else float("nan"), float(lat.group(1)) if lat else float("nan")


def peak_rss_kib(pid):
    """VmHWM of pid and its descendants."""
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except OSError:
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            m = re.search(r"VmHWM:\s+(\d+) kB", open(f"/proc/{p}/status").read())
            total += int(m.group(1)) if m else 0
        except OSError:
            pass
    return total


def serve(cmd, cwd=None):
    return subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


results, memory = [], {}
ENV["KHOI_BIND"] = "127.0.0.1:18080"
khoi = serve([KHOI])
base = "http://127.0.0.1:18080"
try:
    wait(base, khoi)
    head = call(base, "POST", "/api/v1/auth/login", {"username": "b1.s1", "password": "bench-password-2016"})["access_token"]
    page = call(base, "GET", "/api/v1/tasks?status=in_progress&limit=50", token=head)
    task = page["items"][0]["id"]
    bloc = page["items"][0]["bloc_id"]
    campaign = call(base, "GET", "/api/v1/campaigns", token=head)["items"][0]["id"]
    sc = next(x["id"] for x in call(base, "GET", "/api/v1/sub-committees", token=head)["items"] if x["code"] == "VP")
    org = next(x["id"] for x in call(base, "GET", "/api/v1/organisations", token=head)["items"] if x["code"] == "MTTQ")
    ours = [
        ("list", "/api/v1/tasks?status=in_progress&limit=50", None, None),
        # The same page built from the database each request (a random far due_to per request).
        ("list-built", "/api/v1/tasks", ["-s", os.path.join(ROOT, "bench", "search.lua")], {"QUERY": "status=in_progress&limit=50"}),
        ("detail", f"/api/v1/tasks/{task}", None, None),
        ("search", "/api/v1/tasks?q=ke%20hoach&limit=50", None, None),
        ("create", "/api/v1/tasks", ["-s", os.path.join(ROOT, "bench", "create.lua")], {"TOKEN": head, "SC": sc, "ORG": org}),
        ("progress", f"/api/v1/campaigns/{campaign}/progress?as_of=2017-12-31", None, None),
    ]
    for name, path, extra, env in ours:
        for c in CONNS:
            r = wrk(base + path, head, c, extra, env)
            results.append(("khoi", name, c) + r)
            print("khoi", name, c, r, file=sys.stderr, flush=True)
    memory["khoi"] = peak_rss_kib(khoi.pid)
finally:
    khoi.terminate(); khoi.wait()

peers = [
    ("FastAPI", [sys.executable, "-m", "uvicorn", "app:app", "--workers", "2", "--port", "18082", "--log-level", "warning", "--no-access-log"],
     os.path.join(ROOT, "bench", "peers", "fastapi"), "http://127.0.0.1:18082"),
    ("Fastify", ["node", "app.js"], os.path.join(ROOT, "bench", "peers", "fastify"), "http://127.0.0.1:18083"),
]
for label, cmd, cwd, pbase in peers:
    proc = serve(cmd, cwd)
    try:
        wait(pbase, proc, PROBE, 30, any_status=True)
        for name, path in [("list", "/api/v1/tasks?status=in_progress&limit=50"), ("detail", f"/api/v1/tasks/{task}")]:
            for c in CONNS:
                r = wrk(pbase + path, head, c)
                results.append((label, name, c) + r)
                print(label, name, c, r, file=sys.stderr, flush=True)
        memory[label] = peak_rss_kib(proc.pid)
    finally:
        proc.terminate(); proc.wait()

for name, script in [("list", "list.sql"), ("detail", "detail.sql")]:
    for c in CONNS:
        tps, lat = pgbench(script, c, {"bloc": bloc, "task": task})
        results.append(("pgbench", name, c, lat, float("nan"), tps, 0, ""))
        print("pgbench", name, c, tps, lat, file=sys.stderr, flush=True)

print("| stack | endpoint | connections | p50 ms | p99 ms | requests/s | non-2xx | socket errors |")
print("|---|---|---|---|---|---|---|---|")
for stack, name, c, p50, p99, rps, bad, err in results:
    p50s = f"{p50:.2f}" + (" (mean)" if stack == "pgbench" else "")
    print(f"| {stack} | {name} | {c} | {p50s} | {p99:.2f} | {rps:.0f} | {bad} | {err} |")
print()
print("| stack | peak memory (MiB, all processes) |")
print("|---|---|")
for k, v in memory.items():
    print(f"| {k} | {v / 1024:.1f} |")
print()
rate = {(stack, name, c): rps for stack, name, c, _, _, rps, _, _ in results}
print("| endpoint | connections | khoi ÷ FastAPI | khoi ÷ Fastify | khoi ÷ pgbench |")
print("|---|---|---|---|---|")
for name, ours in [("list", "list"), ("list", "list-built"), ("detail", "detail")]:
    for c in CONNS:
        k = rate.get(("khoi", ours, c))
        cells = [f"{k / rate[(p, name, c)]:.2f}" if rate.get((p, name, c)) else "–" for p in ["FastAPI", "Fastify", "pgbench"]]
        print(f"| {ours} | {c} | " + " | ".join(cells) + " |")
