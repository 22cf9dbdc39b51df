#!/usr/bin/env python3
"""The task list while the province writes (issue 19, item 1): a random bloc's token per request,
with and without 5 creates a second spread over random blocs, at 32 and 128 clients.

Usage: SECS=10 bench/province.py BIN [BIN ...]   (after bench/seed.py khoi_bench 1000000; wrk needed)
Each binary in turn, twice over (A B A B): it serves khoi_bench on 127.0.0.1:18093 (2 workers,
a pool of 32), the heads of the 50 blocs sign in, then wrk reads
  /api/v1/tasks?status=in_progress&limit=50   (5,000 matching tasks in each bloc)
with a random head's token per request (bench/random_token.lua), first with no writes, then while
a writer creates a task in a random bloc 5 times a second, on a fixed clock. The page cache's hits and misses
(`khoi_page_cache_total`, where the binary has it) are read from /metrics around each cell.
Migration 31 (change positions) is undone between binaries so that an older one starts, unless
SAME_SCHEMA=1. DB=name picks the database (default khoi_bench). POSITIONS=3300 first tops the
change positions up to that many (as the country's 3,300 communes, each having written once,
would hold them); the table is analysed either way (see `ready`).
"""
import functools, os, random, re, subprocess, sys, tempfile, threading, time
from common import HERE, SECRET, call, pg_url, psql, wait, wrk_figures

BINS = sys.argv[1:]
DB = os.environ.get("DB", "khoi_bench")
BASE = "http://127.0.0.1:18093"
SECS = int(os.environ.get("SECS", "10"))
PW = "bench-password-2016"
PATH = "/api/v1/tasks?status=in_progress&limit=50"
call = functools.partial(call, BASE)


def cache():
    text = call("GET", "/metrics").decode()
    got = dict(re.findall(r'^khoi_page_cache_total\{result="(\w+)"\} (\d+)$', text, re.M))
    return (int(got["hit"]), int(got["miss"])) if got else None


def wrk(conns, tokens):
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{SECS}s", "--latency", "-s", os.path.join(HERE, "random_token.lua"),
                          BASE + PATH], env=dict(os.environ, TOKENS=tokens), capture_output=True, text=True, check=True).stdout
    p50, p99, rps, bad = wrk_figures(out)
    return rps, p50, p99, bad


def ready():
    """Positions topped up to POSITIONS, then analysed. Every kept read's statement looks up the
    caller's family in `change_positions`; with autovacuum off, as on the bench machines, rows
    added since the last ANALYZE are unknown to the planner, which then scans the table: 3,351
    positions estimated as 28 cost PostgreSQL 0.68 ms a read against 0.17 ms (EXPLAIN ANALYZE),
    and the kept list ran at 3,556-3,905 a second at 32 clients against 5,514 (BENCHMARKS.md)."""
    want = int(os.environ.get("POSITIONS", "0"))
    psql(DB, f"INSERT INTO change_positions SELECT gen_random_uuid(), g FROM generate_series(1, "
             f"{want} - (SELECT count(*) FROM change_positions)) g; ANALYZE change_positions")


def writer(heads, stop, done):
    """Creates on a fixed clock, 5 a second, each in its own thread: a create slowed by the load
    does not push back the next (one after another, the rate fell to 3.6-4.5 a second). `done`
    counts the creates that succeeded; a refused one raises in its thread and is not counted."""
    def one(n):
        call("POST", "/api/v1/tasks", {"title": f"Rà soát hộ cận nghèo đợt {time.time_ns()}-{n}"}, random.choice(heads))
        done.append(1)
    sent, due = [], time.time()
    while not stop.is_set():
        sent.append(threading.Thread(target=one, args=(len(sent) + 1,)))
        sent[-1].start()
        due += 0.2
        time.sleep(max(0, due - time.time()))
    for t in sent:
        t.join()


def run(binary):
    # Migrations 31 and 32 go, so a build from before them starts; each build makes its own again.
    # SAME_SCHEMA=1 keeps them, when every binary compared has the same migrations.
    if os.environ.get("SAME_SCHEMA") != "1":
        psql(DB, "DROP TABLE IF EXISTS change_positions; DROP TRIGGER IF EXISTS task_tallies_move ON tasks; "
             "DROP TRIGGER IF EXISTS task_tallies_write ON tasks; DROP FUNCTION IF EXISTS task_tallies_track(); "
             "DROP TABLE IF EXISTS task_tallies; "
             "DELETE FROM seaql_migrations WHERE version LIKE 'm20261130_000031%' OR version LIKE 'm20261130_000032%'")
    env = dict(os.environ, DATABASE_URL=pg_url(DB), KHOI_BIND="127.0.0.1:18093", KHOI_LOG="warn",
               KHOI_JWT_SECRET=SECRET, KHOI_DB_MAX_CONNECTIONS="32", KHOI_WORKERS="2",
               KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000", KHOI_SCHEDULER="off")
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait(BASE, server)
        ready()
        heads = [call("POST", "/api/v1/auth/login", {"username": f"b{n}.s1", "password": PW})["access_token"] for n in range(1, 51)]
        with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as f:
            f.write("\n".join(heads) + "\n")
        for conns in (32, 128):
            for writes in (False, True):
                stop, done = threading.Event(), []
                w = threading.Thread(target=writer, args=(heads, stop, done)) if writes else None
                began = time.time()
                if w:
                    w.start()
                before = cache()
                rps, p50, p99, bad = wrk(conns, f.name)
                after = cache()
                stop.set()
                ended = time.time()
                if w:
                    w.join()
                hit = f"{(after[0] - before[0]) / max(1, (after[0] - before[0]) + (after[1] - before[1])) * 100:.0f} %" if before else "—"
                rows.append((conns, f"{len(done) / (ended - began):.1f}/s" if writes else "none", rps, p50, p99, bad, hit))
        os.unlink(f.name)
    finally:
        server.terminate()
        server.wait()
    return rows


print("| binary | pass | clients | writes | list req/s | p50 ms | p99 ms | non-2xx | kept answers served |")
print("|---|---|---|---|---|---|---|---|---|")
for p in range(2):
    for b in BINS:
        for conns, writes, rps, p50, p99, bad, hit in run(b):
            print(f"| {b} | {p + 1} | {conns} | {writes} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {bad} | {hit} |", flush=True)
