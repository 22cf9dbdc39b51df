#!/usr/bin/env python3
"""Times the onboarding paths of issue 14 against the release binary, on a fresh database:
  staff-import   POST /api/v1/imports/staff: 2,000 people with accounts (Argon2id hashing included)
  units-import   POST /api/v1/imports/units: 500 villages
  figures-round  POST …/measurements with a list of 500 figures (one per village)
Usage: bench/imports.py [sqlite|postgres] [RUNS]   (postgres: a database khoi_imports on PGHOST…)
"""
import functools, os, shutil, subprocess, sys, tempfile, time
from common import SECRET, call, khoi_bin, pg_url, psql, wait

KIND = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
KHOI = khoi_bin()
BASE = "http://127.0.0.1:18081"
PW = "Hải-Hà-2016-bench"

call = functools.partial(call, BASE)

def once():
    d = tempfile.mkdtemp()
    env = dict(os.environ, KHOI_BIND="127.0.0.1:18081", KHOI_LOG="warn", KHOI_ADMIN_PASSWORD=PW,
               KHOI_JWT_SECRET=SECRET)
    if KIND == "postgres":
        psql("postgres", "DROP DATABASE IF EXISTS khoi_imports WITH (FORCE); CREATE DATABASE khoi_imports;")
        env["DATABASE_URL"] = pg_url("khoi_imports")
    subprocess.run([KHOI, "seed-demo", "--password", PW], cwd=d, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([KHOI], cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        wait(BASE, server)
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
