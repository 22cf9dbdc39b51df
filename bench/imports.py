#!/usr/bin/env python3
"""Times the onboarding paths of issue 14 against the release binary, on a fresh database:
  staff-import   POST /api/v1/imports/staff: 2,000 people with accounts (Argon2id hashing included)
  units-import   POST /api/v1/imports/units: 500 villages
  figures-round  POST …/measurements with a list of 500 figures (one per village)
Usage: bench/imports.py [sqlite|postgres] [RUNS]   (postgres: a database khoi_imports on PGHOST…)
"""
import json, os, shutil, subprocess, sys, tempfile, time, urllib.request

KIND = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHOI = os.environ.get("KHOI_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "khoi"))
BASE = "http://127.0.0.1:18081"
PW = "Hải-Hà-2016-bench"
HOST = os.environ.get("PGHOST", "127.0.0.1"); PORT = os.environ.get("PGPORT", "5432"); USER = os.environ.get("PGUSER", "postgres")

def call(method, path, body=None, token=None, ctype="application/json", raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, method=method, data=data)
    req.add_header("content-type", ctype)
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())

def once():
    d = tempfile.mkdtemp()
    env = dict(os.environ, KHOI_BIND="127.0.0.1:18081", KHOI_LOG="warn", KHOI_ADMIN_PASSWORD=PW,
               KHOI_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123")
    if KIND == "postgres":
        subprocess.run(["psql", "-X", "-q", "-h", HOST, "-p", PORT, "-U", USER, "-d", "postgres", "-c",
                        'DROP DATABASE IF EXISTS khoi_imports WITH (FORCE)', "-c", "CREATE DATABASE khoi_imports"], check=True)
        env["DATABASE_URL"] = f"postgres://{USER}@{HOST}:{PORT}/khoi_imports"
    subprocess.run([KHOI, "seed-demo", "--password", PW], cwd=d, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([KHOI], cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(BASE + "/ready"); break
            except Exception:
                time.sleep(0.2)
        head = call("POST", "/api/v1/auth/login", {"username": "demo.head", "password": PW})["access_token"]
        rows = ["Họ và tên;Chức vụ;Vai trò;Đoàn thể;Tiểu ban;Tên đăng nhập;Mật khẩu"]
        rows += [f"Cán bộ {i};Chuyên viên;Cán bộ;HND;TTVD;can.bo.{i};mật-khẩu-tạm-{i:05}" for i in range(2000)]
        t = time.time()
        r = call("POST", "/api/v1/imports/staff", raw="\n".join(rows).encode(), token=head, ctype="text/csv")
        out["staff-import (2,000 with accounts)"] = time.time() - t
        assert r["created"] == 4000, r
        units = ["Tên;Loại;Trực thuộc"] + [f"Thôn {i};Thôn;Quảng Long" for i in range(500)]
        t = time.time()
        r = call("POST", "/api/v1/imports/units", raw="\n".join(units).encode(), token=head, ctype="text/csv")
        out["units-import (500)"] = time.time() - t
        ids = r["ids"]
        c = call("GET", "/api/v1/campaigns", token=head)["items"][0]["id"]
        tgt = call("POST", f"/api/v1/campaigns/{c}/targets", {"indicator": "Số hộ được thăm", "measure": "count",
                   "aggregation": "sum", "target_value": 50000, "due_on": "2017-12-31"}, token=head)["id"]
        figures = [{"unit_id": u, "measured_on": "2016-06-30", "value": 100 + i} for i, u in enumerate(ids)]
        t = time.time()
        r = call("POST", f"/api/v1/campaigns/{c}/targets/{tgt}/measurements", figures, token=head)
        out["figures-round (500)"] = time.time() - t
        assert len(r["items"]) == 500
    finally:
        server.terminate(); server.wait(); shutil.rmtree(d, ignore_errors=True)
    return out

results = [once() for _ in range(RUNS)]
print(f"| {KIND} | " + " | ".join(f"{k}: " + ", ".join(f"{r[k]:.2f} s" for r in results) for k in results[0]) + " |")
