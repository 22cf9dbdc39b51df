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
import json, os, re, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINS = sys.argv[1:] or [os.environ.get("KHOI_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "khoi"))]
BASE = "http://127.0.0.1:18082"
DB = "khoi_inbox"
PGHOST, PGUSER = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGUSER", "postgres")
PW = "Mật-khẩu-bench-2026"
SECS = int(os.environ.get("SECS", "10"))


def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            raw = r.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path}: {e.code} {e.read()[:400]}")


def psql(db, sql):
    return subprocess.run(["psql", "-qAt", "-h", PGHOST, "-U", PGUSER, "-d", db, "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def wrk(path, token=None, conns=32):
    cmd = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{SECS}s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    p50 = v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return p50, rps, int(bad.group(1)) if bad else 0


def run(binary):
    psql("postgres", f"DROP DATABASE IF EXISTS {DB}")
    psql("postgres", f"CREATE DATABASE {DB}")
    env = dict(os.environ, DATABASE_URL=f"postgres://{PGUSER}@{PGHOST}:5432/{DB}", KHOI_BIND="127.0.0.1:18082", KHOI_LOG="warn",
               KHOI_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123", KHOI_ADMIN_PASSWORD=PW, KHOI_DB_MAX_CONNECTIONS="16",
               KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000")
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(BASE + "/ready")
                break
            except Exception:
                time.sleep(0.2)
        admin = call("POST", "/api/v1/auth/login", {"username": "admin", "password": PW})["access_token"]
        bloc = call("POST", "/api/v1/blocs", {"name": "Khối xã Quảng Minh", "level": "commune", "province": "Quảng Ninh",
                                       "head": {"full_name": "Nguyễn Văn Hải", "username": "hai.head", "password": PW}}, admin)
        head = call("POST", "/api/v1/auth/login", {"username": "hai.head", "password": PW})["access_token"]
        call("POST", "/api/v1/me/password", {"current_password": PW, "new_password": PW + "!"}, head)
        head = call("POST", "/api/v1/auth/login", {"username": "hai.head", "password": PW + "!"})["access_token"]
        s = call("POST", "/api/v1/staff", {"full_name": "Trần Thị Lan", "position": "Cán bộ", "role": "staff"}, head)
        call("POST", "/api/v1/accounts", {"username": "lan.staff", "password": PW, "role": "staff", "bloc_id": bloc["id"],
                                          "staff_id": s["id"]}, admin)
        staff = call("POST", "/api/v1/auth/login", {"username": "lan.staff", "password": PW})["access_token"]
        call("POST", "/api/v1/me/password", {"current_password": PW, "new_password": PW + "!"}, staff)
        staff = call("POST", "/api/v1/auth/login", {"username": "lan.staff", "password": PW + "!"})["access_token"]
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
