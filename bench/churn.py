#!/usr/bin/env python3
"""The kept list while one-off queries pass through the page cache (issue 19, item 1).

Usage: SECS=10 python3 bench/churn.py DB BIN [BIN ...]   (after bench/seed.py DB 200000; wrk needed)
Each binary in turn, twice over (A B A B): it serves DB on 127.0.0.1:18094 (2 workers, a pool of
32), the heads of the 50 blocs sign in, then for SECS seconds at once
  - READERS clients (default 16) read /api/v1/tasks?status=in_progress&limit=50 with a random
    head's token per request (bench/random_token.lua): 50 pages asked again and again;
  - ONEOFFS clients (default 16) read the same list with a different far `due_to` each time
    (bench/search.lua): answers asked once, each about 48 KB, as searches and chosen days are.
It prints both rates and the share of the page cache's answers served kept (`khoi_page_cache_total`).
"""
import functools, os, re, subprocess, sys, tempfile
from common import HERE, SECRET, call, pg_url, wait, wrk_figures

DB, BINS = sys.argv[1], sys.argv[2:]
BASE = "http://127.0.0.1:18094"
SECS = int(os.environ.get("SECS", "10"))
READERS, ONEOFFS = int(os.environ.get("READERS", "16")), int(os.environ.get("ONEOFFS", "16"))
QUERY = "status=in_progress&limit=50"
call = functools.partial(call, BASE)


def cache():
    got = dict(re.findall(r'^khoi_page_cache_total\{result="(\w+)"\} (\d+)$', call("GET", "/metrics").decode(), re.M))
    return int(got["hit"]), int(got["miss"])


def wrk(conns, script, url, env, *extra):
    return subprocess.Popen(["wrk", "-t1", f"-c{conns}", f"-d{SECS}s", "--latency", *extra, "-s", os.path.join(HERE, script), url],
                            env=dict(os.environ, **env), stdout=subprocess.PIPE, text=True)


def result(p):
    _, p99, rps, bad = wrk_figures(p.communicate()[0])
    return rps, p99, bad

def run(binary):
    env = dict(os.environ, DATABASE_URL=pg_url(DB), KHOI_BIND="127.0.0.1:18094", KHOI_LOG="warn",
               KHOI_JWT_SECRET=SECRET, KHOI_DB_MAX_CONNECTIONS="32", KHOI_WORKERS="2",
               KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000", KHOI_SCHEDULER="off")
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(BASE, server)
        heads = [call("POST", "/api/v1/auth/login", {"username": f"b{n}.s1", "password": "bench-password-2016"})["access_token"]
                 for n in range(1, 51)]
        with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as f:
            f.write("\n".join(heads) + "\n")
        before = cache()
        kept = wrk(READERS, "random_token.lua", f"{BASE}/api/v1/tasks?{QUERY}", {"TOKENS": f.name})
        once = wrk(ONEOFFS, "search.lua", BASE, {"QUERY": QUERY},
                   "-H", f"Authorization: Bearer {heads[0]}") if ONEOFFS else None
        row = result(kept) + (result(once) if once else (0, 0, 0))
        after = cache()
        os.unlink(f.name)
    finally:
        server.terminate()
        server.wait()
    hits, misses = after[0] - before[0], after[1] - before[1]
    return row + (hits / max(1, hits + misses) * 100,)


print(f"| binary | pass | kept list, {READERS} clients, req/s (p99 ms) | one-off lists, {ONEOFFS} clients, req/s (p99 ms) | non-2xx | answers served kept |")
print("|---|---|---|---|---|---|")
for p in range(2):
    for b in BINS:
        k, kp, kb, o, op, ob, share = run(b)
        print(f"| {b} | {'AB'[p]} | {k:,.0f} ({kp:.1f}) | {o:,.0f} ({op:.1f}) | {kb + ob} | {share:.0f} % |", flush=True)
