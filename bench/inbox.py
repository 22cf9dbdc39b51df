#!/usr/bin/env python3
"""The inbox and the request stack under it, at 32 clients (issue 17's inbox target), on PostgreSQL.

Usage: bench/inbox.py [BIN ...]      (wrk needed; each BIN a release build, default KHOI_BIN)
For each binary, in turn and twice over (A B A B, so a noisy machine hurts each alike): a fresh
database `khoi_inbox`, the binary on 127.0.0.1:18082, a bloc with its head and a staff member
made through the API, 200 notifications in the staff member's inbox (SQL, as the scheduler
writes them), then wrk at 32 clients for 10 s on
  /health                    no token, no database: the floor of the stack
  /api/v1/me                 the token checked against the account, the person read
  /api/v1/me/notifications   a page of 50 of 200 and the unread count
and the inbox again at one client. Prints a Markdown table.
"""
import functools, os, subprocess, sys
from common import SECRET, call, commune_with_staff, khoi_bin, pg_url, psql, wait, wrk_figures

BINS = sys.argv[1:] or [khoi_bin()]
BASE = "http://127.0.0.1:18082"
DB = "khoi_inbox"
PW = "Mật-khẩu-bench-2026"
SECS = int(os.environ.get("SECS", "10"))
call = functools.partial(call, BASE, exit_on_error=True)


def wrk(path, token=None, conns=32):
    cmd = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{SECS}s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout
    p50, _, rps, bad = wrk_figures(out)
    return p50, rps, bad


def run(binary):
    psql("postgres", f"DROP DATABASE IF EXISTS {DB}")
    psql("postgres", f"CREATE DATABASE {DB}")
    env = dict(os.environ, DATABASE_URL=pg_url(DB), KHOI_BIND="127.0.0.1:18082", KHOI_LOG="warn",
               KHOI_JWT_SECRET=SECRET, KHOI_ADMIN_PASSWORD=PW, KHOI_DB_MAX_CONNECTIONS="16",
               KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000")
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(BASE, server)
        admin = call("POST", "/api/v1/auth/login", {"username": "admin", "password": PW})["access_token"]
        _, _, staff = commune_with_staff(call, admin, PW)
        me = psql(DB, "SELECT id FROM accounts WHERE username = 'lan.staff'")
        psql(DB, f"""INSERT INTO notifications (id, account_id, bloc_id, kind, title, body, href, resource_type, resource_id,
                     urgent, dedupe_key, read_at, dispatched, created_at)
                     SELECT gen_random_uuid(), '{me}', NULL, 'due_soon', 'Còn 2 ngày đến hạn: nhiệm vụ ' || n,
                     'Nhiệm vụ đến hạn ngày 02/07/2017.', '/api/v1/tasks/' || gen_random_uuid(), 'task', gen_random_uuid(),
                     FALSE, NULL, NULL, TRUE, now() - (n || ' seconds')::interval FROM generate_series(1, 200) n""")
        inbox = call("GET", "/api/v1/me/notifications", None, staff)
        assert len(inbox["items"]) == 50 and inbox["unread_count"] == 200, inbox["unread_count"]
        wrk("/api/v1/me/notifications", staff)  # warm-up
        return [("/health", *wrk("/health")),
                ("/api/v1/me", *wrk("/api/v1/me", staff)),
                ("/api/v1/me/notifications", *wrk("/api/v1/me/notifications", staff)),
                ("/api/v1/me/notifications, 1 client", *wrk("/api/v1/me/notifications", staff, conns=1))]
    finally:
        server.terminate()
        server.wait()


print(f"| binary | pass | read (32 clients unless said) | p50 ms | req/s | non-2xx |")
print("|---|---|---|---|---|---|")
for p in range(2):
    for b in BINS:
        for path, p50, rps, bad in run(b):
            print(f"| {os.path.basename(b)} | {p + 1} | {path} | {p50:.2f} | {rps:.0f} | {bad} |", flush=True)
