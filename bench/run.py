#!/usr/bin/env python3
"""Drives the service with wrk from a second process on loopback and prints a Markdown table.

Usage: bench/run.py DBNAME [CONNECTIONS] [SECONDS]   (after bench/seed.py DBNAME N)
Starts target/release/khoi on 127.0.0.1:18080 against the database, signs in as the bloc head
(b1.s1) and a staff member (b1.s7) of bloc 1, and measures:
  list       GET /api/v1/tasks?status=in_progress&limit=50
  list-client the list as the portal reads it: an API client of bloc 1's province (kept)
  list-deep  the same, 100 pages in (keyset cursor)
  list-built the same with a random far due_to, so built from the database each request
             (bench/search.lua with QUERY)
  list-fields       list with &fields=title,status,standing,due_on (kept; not on builds before it)
  list-fields-built the same, built from the database each request
  me-tasks   GET /api/v1/me/tasks
  me-tasks-built  the same with a random past updated_since, built from the database each request
  detail     GET /api/v1/tasks/{id} (one task of the first page)
  me         GET /api/v1/me as the staff member
  inbox      GET /api/v1/me/notifications?limit=20 as the staff member (what every phone polls)
  create     POST /api/v1/tasks (overlap detection included)
  create-unit POST /api/v1/units (a write without overlap detection)
  as-of      GET /api/v1/tasks?as_of=<a random day of 2016-2017>&limit=50 (bench/as_of.lua)
  as-of-overdue  the same with &standing=overdue
  search     GET /api/v1/tasks?limit=50&q=dân (in 29 % of the titles), built from the database
             for each request (bench/search.lua)
  search-rare    the same for q=nguồn (one title in 236)
  search-apart   the same for q=các xây: two common words (3,392 and 2,713 of bloc 1's 20,000
                 tasks at 1,000,000) never in one title, so no page fills and the whole bloc is
                 walked: a search's worst case
  search-recent  the same for q=đợt, in the newest tenth of each bloc's tasks only (bench/seed.py):
                 a common word whose matches lie at the end of the walk in creation order
  search-kept    GET /api/v1/tasks?limit=50&q=dân, the same page each time (the page cache)
ROWS=name,name… runs only those rows.
"""
import functools, os, subprocess, sys, time
from common import ROOT, SECRET, call, khoi_bin, pg_url, wait, wrk_figures

DB = sys.argv[1] if len(sys.argv) > 1 else "khoi_bench"
CONNS = int(sys.argv[2]) if len(sys.argv) > 2 else 32
SECS = int(sys.argv[3]) if len(sys.argv) > 3 else 15
KHOI = khoi_bin()
BASE = "http://127.0.0.1:18080"
PG = pg_url(DB)
call = functools.partial(call, BASE)

def wrk(path, token, extra=None, env=None):
    cmd = ["wrk", f"-t{min(2, CONNS)}", f"-c{CONNS}", f"-d{SECS}s", "--latency", "-H", f"Authorization: Bearer {token}"]
    if extra:
        cmd += extra
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, env=dict(os.environ, **(env or {}))).stdout
    return wrk_figures(out)

server = subprocess.Popen([KHOI], env=dict(os.environ, DATABASE_URL=PG, KHOI_JWT_SECRET=SECRET,
                          KHOI_BIND="127.0.0.1:18080", KHOI_LOG="warn", KHOI_DB_MAX_CONNECTIONS="32"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    wait(BASE, server)
    head = call("POST", "/api/v1/auth/login", {"username": "b1.s1", "password": "bench-password-2016"})["access_token"]
    staff = call("POST", "/api/v1/auth/login", {"username": "b1.s7", "password": "bench-password-2016"})["access_token"]
    list_path = "/api/v1/tasks?status=in_progress&limit=50"
    cursor, pages, detail_id = None, 0, None
    for _ in range(100):
        page = call("GET", list_path + (f"&cursor={cursor}" if cursor else ""), token=head)
        detail_id = detail_id or page["items"][0]["id"]
        if not page["next_cursor"]:
            break
        cursor, pages = page["next_cursor"], pages + 1
    print(f"deep page: {pages} pages in", file=sys.stderr)
    sc = next(x["id"] for x in call("GET", "/api/v1/sub-committees", token=head)["items"] if x["code"] == "VP")
    client_token = None
    if "list-client" in os.environ.get("ROWS", "list-client").split(","):
        # The portal as an API client of bloc 1's province (its list spans the province's blocs).
        admin = call("POST", "/api/v1/auth/login", {"username": "bench.admin", "password": "bench-password-2016"})["access_token"]
        me = call("GET", "/api/v1/me", token=head)
        province = call("GET", f"/api/v1/blocs/{me['bloc_id']}", token=head)["province"]
        c = call("POST", "/api/v1/clients", {"name": f"Cổng đo tải {time.time_ns()}", "province": province,
                                              "rate_limit_per_minute": 100000}, admin)
        client_token = call("POST", "/api/v1/auth/token", {"grant_type": "client_credentials", "client_id": c["client_id"],
                                                           "client_secret": c["client_secret"]})["access_token"]
    org = next(x["id"] for x in call("GET", "/api/v1/organisations", token=head)["items"] if x["code"] == "MTTQ")
    rows = [("list", list_path, head, None, None),
            ("list-client", list_path, client_token, None, None),
            ("list-built", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "search.lua")], {"QUERY": "status=in_progress&limit=50"}),
            ("list-fields", list_path + "&fields=title,status,standing,due_on", head, None, None),
            ("list-fields-built", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "search.lua")],
             {"QUERY": "status=in_progress&limit=50&fields=title,status,standing,due_on"})]
    if cursor:
        rows.append((f"list-deep ({pages} pages in)", list_path + f"&cursor={cursor}", head, None, None))
    rows += [
        ("me-tasks", "/api/v1/me/tasks", staff, None, None),
        ("me-tasks-built", "/api/v1/me/tasks", staff, ["-s", os.path.join(ROOT, "bench", "search.lua")],
         {"PATH_": "/api/v1/me/tasks", "QUERY": "limit=50", "VARY": "updated_since"}),
        ("detail", f"/api/v1/tasks/{detail_id}", head, None, None),
        ("me", "/api/v1/me", staff, None, None),
        ("inbox", "/api/v1/me/notifications?limit=20", staff, None, None),
        ("create", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "create.lua")], {"TOKEN": head, "SC": sc, "ORG": org}),
        ("create-unit", "/api/v1/units", head, ["-s", os.path.join(ROOT, "bench", "create_unit.lua")], {"TOKEN": head}),
        ("as-of", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "as_of.lua")], None),
        ("as-of-overdue", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "as_of.lua")], {"EXTRA": "&standing=overdue"}),
        ("search", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "search.lua")], {"Q": "d%C3%A2n"}),
        ("search-rare", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "search.lua")], {"Q": "ngu%E1%BB%93n"}),
        ("search-apart", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "search.lua")], {"Q": "c%C3%A1c%20x%C3%A2y"}),
        ("search-recent", "/api/v1/tasks", head, ["-s", os.path.join(ROOT, "bench", "search.lua")], {"Q": "%C4%91%E1%BB%A3t"}),
        ("search-kept", "/api/v1/tasks?limit=50&q=d%C3%A2n", head, None, None),
    ]
    only = os.environ.get("ROWS")
    if only:
        rows = [r for r in rows if r[0].split(" ")[0] in only.split(",")]
    print(f"| scenario | connections | p50 ms | p99 ms | requests/s | non-2xx |")
    print(f"|---|---|---|---|---|---|")
    for name, path, token, extra, env in rows:
        p50, p99, rps, errors = wrk(path, token, extra, env)
        print(f"| {name} | {CONNS} | {p50:.2f} | {p99:.2f} | {rps:.0f} | {errors} |", flush=True)
finally:
    server.terminate()
    server.wait()
