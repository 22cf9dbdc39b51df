#!/usr/bin/env python3
"""Which index of `tasks` each read's plan uses: issue 19's "drop indexes that no query uses, each
removal justified by EXPLAIN".

Usage: bench/indexes.py DBNAME   (after bench/seed.py DBNAME N; PostgreSQL superuser, local log)
Loads PostgreSQL's auto_explain for DBNAME's sessions, starts khoi with one database connection
(so every statement shape is planned custom five times and then generic, as in production), and
sends every documented filter and sort of the task list, my tasks, the list on a past day, the
detail and the province summary as the heads of eight blocs (eight different bound values a shape).
Each shape's plans are read from the server log; the table printed gives, for each index of
`tasks`, the shapes whose plans used it, and the indexes no plan used. auto_explain is unloaded
again at the end.
"""
import functools, os, re, subprocess, sys, time, urllib.error, urllib.parse, uuid
from common import ROOT, SECRET, call, pg_url, psql, wait

DB = sys.argv[1] if len(sys.argv) > 1 else "khoi_bench_200k"
# Any build: the statements are the same in debug and release.
KHOI = os.environ.get("KHOI_BIN", os.path.join(ROOT, "target", "debug", "khoi"))
BASE = "http://127.0.0.1:18081"
HEADS = int(os.environ.get("HEADS", "8"))
call = functools.partial(call, BASE)

# The collector's file, or where Debian's pg_ctlcluster sends the server's stderr.
LOG = psql("postgres", "SELECT pg_current_logfile()")
if LOG and not LOG.startswith("/"):
    LOG = os.path.join(psql("postgres", "SHOW data_directory"), LOG)
if not LOG or not os.path.isfile(LOG):
    LOG = os.environ.get("PGLOG", "/var/log/postgresql/postgresql-15-main.log")
indexes = psql(DB, "SELECT indexname FROM pg_indexes WHERE tablename = 'tasks' ORDER BY 1").split("\n")

psql("postgres", f'ALTER DATABASE "{DB}" SET session_preload_libraries = \'auto_explain\'')
psql("postgres", f'ALTER DATABASE "{DB}" SET auto_explain.log_min_duration = 0')
psql("postgres", f'ALTER DATABASE "{DB}" SET auto_explain.log_nested_statements = on')
server = subprocess.Popen([KHOI], env=dict(os.environ, DATABASE_URL=pg_url(DB), KHOI_JWT_SECRET=SECRET,
                          KHOI_BIND="127.0.0.1:18081", KHOI_LOG="warn", KHOI_DB_MAX_CONNECTIONS="1", KHOI_SCHEDULER="off",
                          KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
used = {i: [] for i in indexes}
try:
    wait(BASE, server)
    heads, staff, ids = [], [], []
    for b in range(1, HEADS + 1):
        h = call("POST", "/api/v1/auth/login", {"username": f"b{b}.s1", "password": "bench-password-2016"})["access_token"]
        s = call("POST", "/api/v1/auth/login", {"username": f"b{b}.s7", "password": "bench-password-2016"})["access_token"]
        first = lambda path: (call("GET", path, token=h)["items"] or [{"id": None}])[0]["id"]
        me = call("GET", "/api/v1/me", token=s)
        ids.append({
            "org": first("/api/v1/organisations?limit=1"),
            "sc": first("/api/v1/sub-committees?limit=1"),
            "staff": me.get("staff_id") or (me.get("staff") or {}).get("id"),
            "directive": first("/api/v1/directives?limit=1"),
            "campaign": first("/api/v1/campaigns?limit=1"),
            "task": first("/api/v1/tasks?limit=1&sort=-created_at"),
            "province": urllib.parse.quote(call("GET", f"/api/v1/blocs/{call('GET', '/api/v1/me', token=h)['bloc_id']}", token=h)["province"]),
        })
        heads.append(h)
        staff.append(s)
    shapes = [("list", "")]
    for sort in ["due_on", "-due_on", "priority", "-priority", "created_at", "-created_at"]:
        shapes += [(f"list sort={sort}", f"sort={sort}"), (f"list status sort={sort}", f"status=in_progress&sort={sort}")]
    shapes += [
        ("list status", "status=in_progress"),
        ("list statuses", "status=assigned,in_progress"),
        ("list status=draft", "status=draft"),
        ("list standing=overdue", "standing=overdue"),
        ("list standing=open_within_deadline", "standing=open_within_deadline"),
        ("list standing=completed_on_time", "standing=completed_on_time"),
        ("list standing=completed_late", "standing=completed_late"),
        ("list overdue sort=due_on", "standing=overdue&sort=due_on"),
        ("list lead", "lead_organisation_id={org}"),
        ("list coordinating", "coordinating_organisation_id={org}"),
        ("list sub_committee", "sub_committee_id={sc}"),
        ("list assignee", "assignee_id={staff}"),
        ("list assignee status", "assignee_id={staff}&status=in_progress"),
        ("list assignee sort=due_on", "assignee_id={staff}&sort=due_on"),
        ("list directive", "directive_id={directive}"),
        ("list campaign", "campaign_id={campaign}"),
        ("list key_task", "key_task=true"),
        ("list due range", "due_from=2016-03-01&due_to=2016-06-30"),
        ("list due range sort=due_on", "due_from=2016-03-01&due_to=2016-06-30&sort=due_on"),
        ("list q", "q=d%C3%A2n"),
        ("list updated_since", "updated_since=2016-06-30T08:00:00%2B07:00"),
        ("list as_of", "as_of=2016-06-30"),
        ("list as_of status", "as_of=2016-06-30&status=in_progress"),
        ("list as_of overdue", "as_of=2016-06-30&standing=overdue"),
        ("list province", "province={province}"),
        ("list province status", "province={province}&status=in_progress"),
    ]
    def survey(name, paths):
        with open(LOG, "rb") as f:
            f.seek(0, 2)
            start = f.tell()
        for p in paths:
            try:
                call("GET", p[1], token=p[0])
            except urllib.error.HTTPError as e:
                print(f"{name}: {e.code} {e.read()[:200]!r}", file=sys.stderr)
        time.sleep(0.5)
        with open(LOG, "rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
        for i in set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\w+)", text)):
            if i in used and name not in used[i]:
                used[i].append(name)
    for name, q in shapes:
        paths = []
        for n in range(HEADS):
            # The seed makes no directives: an id that matches nothing still has the shape's plan.
            qs = q.format(**{k: v or str(uuid.uuid4()) for k, v in ids[n].items()})
            paths.append((heads[n], "/api/v1/tasks" + (f"?{qs}&limit=50" if qs else "?limit=50")))
        survey(name, paths)
        # The next page: the keyset's own predicate.
        nxt = []
        for tok, p in paths:
            c = call("GET", p, token=tok).get("next_cursor")
            if c:
                nxt.append((tok, p + "&cursor=" + urllib.parse.quote(c)))
        survey(name + " (page 2)", nxt)
    survey("me/tasks", [(s, "/api/v1/me/tasks?limit=50") for s in staff])
    survey("me/tasks overdue", [(s, "/api/v1/me/tasks?limit=50&standing=overdue") for s in staff])
    survey("detail", [(heads[n], f"/api/v1/tasks/{ids[n]['task']}") for n in range(HEADS)])
    survey("summary", [(heads[n], "/api/v1/reports/summary") for n in range(HEADS)])
    survey("campaign", [(heads[n], f"/api/v1/campaigns/{ids[n]['campaign']}") for n in range(HEADS) if ids[n]["campaign"]])
    survey("campaign progress", [(heads[n], f"/api/v1/campaigns/{ids[n]['campaign']}/progress") for n in range(HEADS) if ids[n]["campaign"]])
finally:
    server.terminate()
    server.wait()
    for s in ["session_preload_libraries", "auto_explain.log_min_duration", "auto_explain.log_nested_statements"]:
        psql("postgres", f'ALTER DATABASE "{DB}" RESET {s}')

print("| index of `tasks` | shapes whose plans used it |")
print("|---|---|")
for i in indexes:
    print(f"| `{i}` | {', '.join(used[i]) or '**none**'} |")
