#!/usr/bin/env python3
"""Notifications at national scale (issue 17), on PostgreSQL:
  1. the scheduler's pass over TASKS tasks (default 1,000,000, seeded by bench/seed.py): the
     first pass on a fresh installation (a backlog: it makes a full batch) and a pass when
     everything due is already made (the scan alone), each with `khoi remind`;
  2. list reads while the scheduler runs every 50 ms against the same database, beside reads
     without it (wrk, 32 clients, a bloc head's first page of /tasks);
  3. GET /me/notifications (200 items in the inbox) at 32 clients (wrk);
  4. 10,000 notifications to a real SMTP server on loopback (aiosmtpd, STARTTLS and AUTH, from
     tests/peers) for 100 people, half of them at the address their preferences name and half
     at their staff record's: the time until the server has taken all of them.

Usage: bench/notifications.py [TASKS]   (KHOI_BIN: the release binary; PGHOST/PGPORT/PGUSER)
Needs wrk (Debian) and the venv the tests make (target/tmp/peers-venv, or PEERS_PYTHON).
"""
import functools, os, subprocess, sys, time, uuid
import common
from common import ROOT, SECRET, call, khoi_bin, pg_url, wait, wrk_figures

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
KHOI = khoi_bin()
PY = os.environ.get("PEERS_PYTHON", os.path.join(TARGET, "tmp", "peers-venv", "bin", "python"))
DB = "khoi_bench_notify"
URL = pg_url(DB)
BASE = "http://127.0.0.1:18091"
PASSWORD = "bench-password-2016"
TODAY = "2017-06-30"
ENV = dict(os.environ, DATABASE_URL=URL, KHOI_JWT_SECRET=SECRET,
           KHOI_BIND="127.0.0.1:18091", KHOI_LOG="warn", KHOI_FIXED_TODAY=TODAY, KHOI_ALLOW_FIXED_TODAY="true",
           KHOI_SCHEDULER="off", KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000")

psql = functools.partial(common.psql, DB)
call = functools.partial(call, BASE)

def start(extra=None):
    server = subprocess.Popen([KHOI, "serve"], env=dict(ENV, **(extra or {})))
    wait(BASE, server)
    return server

def wrk(path, token, conns=32, secs=10):
    out = subprocess.run(["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{secs}s", "--latency", "-H", f"Authorization: Bearer {token}",
                          BASE + path], capture_output=True, text=True, check=True).stdout
    p50, _, rps, _ = wrk_figures(out)
    return f"{p50:.2f}ms", f"{rps:.0f}"

def remind():
    t = time.perf_counter()
    out = subprocess.run([KHOI, "remind"], env=ENV, check=True, capture_output=True, text=True).stdout.strip()
    return out, (time.perf_counter() - t) * 1000

def main():
    if os.environ.get("BENCH_REUSE") != "1":
        scheduler_passes()
    reads()
    emails()

def scheduler_passes():
    t0 = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "seed.py"), DB, str(TASKS)], check=True,
                   env=dict(os.environ, KHOI_BIN=KHOI))
    print(f"seeded {TASKS} tasks in {time.perf_counter() - t0:.0f} s")
    # The seed marks every overdue task as reminded (a province that has run for years); the first
    # pass measured here is a fresh installation's, with nothing reminded yet.
    psql("DELETE FROM schedule_marks; ANALYZE schedule_marks;")
    active = psql(f"SELECT count(*) FROM tasks WHERE status IN ('assigned','in_progress','returned') AND due_date < '{TODAY}'")
    out, ms = remind()
    print(f"| first pass, {active} active tasks overdue on {TODAY} | {out} | {ms:.0f} ms (process included) |")
    # Everything due is made: the marks a caught-up installation holds.
    psql(f"""INSERT INTO schedule_marks (kind, subject_id, on_date, created_at)
             SELECT 'task.overdue', id, due_date, now() FROM tasks
             WHERE status IN ('assigned','in_progress','returned') AND due_date < '{TODAY}' ON CONFLICT DO NOTHING;
             INSERT INTO schedule_marks (kind, subject_id, on_date, created_at)
             SELECT 'task.due_soon', id, due_date, now() FROM tasks
             WHERE status IN ('assigned','in_progress','returned') AND due_date >= '{TODAY}'
               AND due_date <= DATE '{TODAY}' + 30 ON CONFLICT DO NOTHING;
             ANALYZE schedule_marks;""")
    times = []
    for _ in range(3):
        out, ms = remind()
        times.append(ms)
    print(f"| pass with everything due already made (the scan) | {out} | {sorted(times)[1]:.0f} ms median of 3 (process included) |")

def reads():
    server = start()
    try:
        head = call("POST", "/api/v1/auth/login", {"username": "b1.s1", "password": PASSWORD})["access_token"]
        wrk("/api/v1/tasks", head, secs=3)  # warm up
        p50, rps = wrk("/api/v1/tasks", head, secs=30)
        print(f"| list /tasks, 32 clients, no scheduler | p50 {p50} | {rps} req/s |")
    finally:
        server.terminate(); server.wait()
    # The scheduler inside the service, passing every 10 s (six times the default rate).
    server = start({"KHOI_SCHEDULER": "on", "KHOI_SCHEDULER_INTERVAL_MS": "10000"})
    try:
        head = call("POST", "/api/v1/auth/login", {"username": "b1.s1", "password": PASSWORD})["access_token"]
        wrk("/api/v1/tasks", head, secs=3)
        p50, rps = wrk("/api/v1/tasks", head, secs=30)
        print(f"| list /tasks, 32 clients, scheduler passing every 10 s | p50 {p50} | {rps} req/s |")
    finally:
        server.terminate(); server.wait()
    server = start()
    try:
        head = call("POST", "/api/v1/auth/login", {"username": "b1.s1", "password": PASSWORD})["access_token"]
        wrk("/api/v1/tasks", head, secs=3)
        p50, rps = wrk("/api/v1/tasks", head, secs=30)
        print(f"| list /tasks, 32 clients, no scheduler (again) | p50 {p50} | {rps} req/s |")
        me = psql("SELECT id FROM accounts WHERE username = 'b1.s7'")
        psql(f"""DELETE FROM notifications WHERE account_id = '{me}'; INSERT INTO notifications (id, account_id, bloc_id, kind, title, body, href, resource_type, resource_id,
                 urgent, dedupe_key, read_at, dispatched, created_at)
                 SELECT gen_random_uuid(), '{me}', NULL, 'due_soon', 'Còn 2 ngày đến hạn: nhiệm vụ ' || n,
                 'Nhiệm vụ đến hạn ngày 02/07/2017.', '/api/v1/tasks/' || gen_random_uuid(), 'task', gen_random_uuid(),
                 FALSE, NULL, NULL, TRUE, now() - (n || ' seconds')::interval FROM generate_series(1, 200) n""")
        staff = call("POST", "/api/v1/auth/login", {"username": "b1.s7", "password": PASSWORD})["access_token"]
        wrk("/api/v1/me/notifications", staff, secs=3)
        p50, rps = wrk("/api/v1/me/notifications", staff)
        print(f"| GET /me/notifications (a page of 50 of 200), 32 clients | p50 {p50} | {rps} req/s |")
        p50, rps = wrk("/api/v1/me/notifications", staff, conns=1)
        print(f"| GET /me/notifications, 1 client | p50 {p50} | {rps} req/s |")
    finally:
        server.terminate(); server.wait()

def emails():

    out_file = f"/tmp/khoi-bench-smtp-{uuid.uuid4().hex}.jsonl"
    smtp = subprocess.Popen([PY, os.path.join(ROOT, "tests", "peers", "smtp_server.py"), out_file, "khoi", "mật-khẩu-thư"],
                            stdout=subprocess.PIPE, text=True)
    _, port, ca = smtp.stdout.readline().split()
    accounts = psql("SELECT id FROM accounts WHERE username LIKE 'b%.s%' ORDER BY username LIMIT 100").split()
    psql("DELETE FROM notification_preferences; DELETE FROM notification_sends; DELETE FROM notifications;")
    # Half of the people name an address in their preferences; the other half are emailed at
    # their staff record's, which the dispatcher looks up.
    named = lambda i: f"'canbo{i}@haiha.vn'" if i % 2 == 0 else "NULL"
    psql("INSERT INTO notification_preferences (account_id, email, quiet_hours, digest, channels, version, updated_at) VALUES "
         + ",".join(f"('{a}', {named(i)}, FALSE, FALSE, '{{}}', 1, now())" for i, a in enumerate(accounts)))
    psql("UPDATE staff SET email = NULL; UPDATE staff SET email = v.email FROM accounts, (VALUES "
         + ",".join(f"('{a}'::uuid, 'canbo{i}@haiha.vn')" for i, a in enumerate(accounts) if i % 2 == 1)
         + ") AS v(account_id, email) WHERE accounts.id = v.account_id AND staff.id = accounts.staff_id")
    server = start({"KHOI_SMTP_HOST": "127.0.0.1", "KHOI_SMTP_PORT": port, "KHOI_SMTP_USERNAME": "khoi",
                    "KHOI_SMTP_PASSWORD": "mật-khẩu-thư", "KHOI_SMTP_CA_FILE": ca, "KHOI_SMTP_FROM": "Khối <khoi@haiha.vn>",
                    "KHOI_NOTIFY_POLL_MS": "50"})
    try:
        t = time.perf_counter()
        psql(f"""INSERT INTO notifications (id, account_id, bloc_id, kind, title, body, href, resource_type, resource_id,
                 urgent, dedupe_key, read_at, dispatched, created_at)
                 SELECT gen_random_uuid(), (ARRAY['{"','".join(accounts)}']::uuid[])[1 + n % {len(accounts)}], NULL, 'overdue',
                 'Quá hạn: nhiệm vụ ' || n, 'Nhiệm vụ đã quá hạn 1 ngày.', NULL, NULL, NULL, FALSE, NULL, NULL, FALSE, now()
                 FROM generate_series(1, 10000) n""")
        got = 0
        while time.perf_counter() - t < 300:
            got = sum(1 for _ in open(out_file)) if os.path.exists(out_file) else 0
            if got >= 10000:
                break
            time.sleep(0.2)
        took = time.perf_counter() - t
        print(f"| 10,000 notifications to the SMTP server | {got} taken | {took:.1f} s ({got / took:.0f}/s) |")
    finally:
        server.terminate(); server.wait(); smtp.terminate()

main()
