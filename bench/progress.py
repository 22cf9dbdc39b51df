#!/usr/bin/env python3
"""Campaign progress at scale: 200 units and 5 years of monthly figures for three targets.

Usage: bench/progress.py [DBNAME] [SECONDS]     (default khoi_bench_progress, 10)
Recreates the PostgreSQL database DBNAME, starts target/release/khoi on 127.0.0.1:18081 against
it (migrations applied on start), builds the bloc, its 200 communes, a campaign and its targets
(ratio, count_true, sum) through the API, loads 200 × 60 figures per target (36,000 in all) with
one INSERT … SELECT, then measures GET /api/v1/campaigns/{id}/progress?as_of=2020-12-31 with wrk
at 1 and 8 connections and prints a Markdown table.
"""
import functools, os, subprocess, sys, time
from common import SECRET, call, khoi_bin, pg_url, psql, wait, wrk_figures

DB = sys.argv[1] if len(sys.argv) > 1 else "khoi_bench_progress"
SECS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
KHOI = khoi_bin()
BASE = "http://127.0.0.1:18081"
PG = pg_url(DB)
ADMIN_PW = "Quản-trị-bench-2016"
PW = "bench-password-2016"
UNITS, MONTHS = 200, 60
call = functools.partial(call, BASE)


def wrk(path, token, conns):
    cmd = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{SECS}s", "--latency", "-H", f"Authorization: Bearer {token}", BASE + path]
    return wrk_figures(subprocess.run(cmd, capture_output=True, text=True).stdout)


psql("postgres", f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE); CREATE DATABASE "{DB}";')
server = subprocess.Popen([KHOI], env=dict(os.environ, DATABASE_URL=PG, KHOI_JWT_SECRET=SECRET,
                          KHOI_BIND="127.0.0.1:18081", KHOI_LOG="warn", KHOI_ADMIN_PASSWORD=ADMIN_PW),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    wait(BASE, server)
    admin = call("POST", "/api/v1/auth/login", {"username": "admin", "password": ADMIN_PW})["access_token"]
    bloc = call("POST", "/api/v1/blocs", {"name": "Khối Mặt trận Tổ quốc và các đoàn thể tỉnh Quảng Ninh", "level": "province", "province": "Quảng Ninh"}, admin)
    call("POST", "/api/v1/accounts", {"username": "bench.head", "password": PW, "role": "bloc_head", "bloc_id": bloc["id"]}, admin)
    # An account made by the admin must choose its own password before anything else.
    head = call("POST", "/api/v1/auth/login", {"username": "bench.head", "password": PW})["access_token"]
    call("POST", "/api/v1/me/password", {"current_password": PW, "new_password": PW + "!"}, head)
    head = call("POST", "/api/v1/auth/login", {"username": "bench.head", "password": PW + "!"})["access_token"]
    org = call("POST", "/api/v1/organisations", {"code": "MTTQ", "name": "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Quảng Ninh", "kind": "fatherland_front"}, head)
    for i in range(UNITS):
        call("POST", "/api/v1/units", {"name": f"Xã số {i + 1}", "kind": "commune", "households": 1000 + i}, head)
    campaign = call("POST", "/api/v1/campaigns", {"name": "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh 2016–2020",
                    "kind": "drive", "lead_organisation_id": org["id"], "start_on": "2016-01-01", "end_on": "2020-12-31", "status": "active"}, head)
    base = f"/api/v1/campaigns/{campaign['id']}/targets"
    targets = [
        call("POST", base, {"indicator": "Tỷ lệ hộ gia đình văn hóa", "measure": "percent", "aggregation": "ratio",
                             "baseline_value": 75, "target_value": 90, "due_on": "2020-12-31"}, head),
        call("POST", base, {"indicator": "Số xã đạt chuẩn nông thôn mới", "measure": "units", "aggregation": "count_true",
                             "unit_kind": "commune", "baseline_value": 40, "target_value": 150, "due_on": "2020-12-31"}, head),
        call("POST", base, {"indicator": "Quỹ Vì người nghèo", "measure": "vnd", "aggregation": "sum",
                             "target_value": 50000000000, "due_on": "2020-12-31"}, head),
    ]
    ratio, count_true, amount = (t["id"] for t in targets)
    # One figure per unit per month end, 2016-01 to 2020-12, for each target.
    psql(DB, f"""
INSERT INTO campaign_measurements (id, bloc_id, campaign_id, target_id, unit_id, as_of, value, numerator, denominator, met,
                                   source, recorded_by, created_at)
SELECT gen_random_uuid(), u.bloc_id, '{campaign['id']}', t.id, u.id,
       (date '2016-01-01' + (m + 1) * interval '1 month' - interval '1 day')::date,
       CASE WHEN t.aggregation = 'sum' THEN 1000000 * (m + 1) END,
       CASE WHEN t.aggregation = 'ratio' THEN 700 + m * 3 END,
       CASE WHEN t.aggregation = 'ratio' THEN 1000 END,
       CASE WHEN t.aggregation = 'count_true' THEN (hashtext(u.id::text) % 60 + 60) % 60 < m END,
       'bench', '{campaign['created_by']['account_id']}', now()
FROM units u CROSS JOIN generate_series(0, {MONTHS - 1}) m CROSS JOIN campaign_targets t
WHERE t.campaign_id = '{campaign['id']}';
ANALYZE;
""")
    path = f"/api/v1/campaigns/{campaign['id']}/progress?as_of=2020-12-31"
    p = call("GET", path, token=head)
    summary = ", ".join(f"{t['aggregation']}={t['value']} ({t['units_reporting']} units, {len(t['series'])} months)" for t in p["targets"])
    print(f"progress: {summary}")
    print(f"| connections | p50 ms | p99 ms | req/s | non-2xx |")
    print(f"|---|---|---|---|---|")
    for conns in (1, 8):
        p50, p99, rps, errors = wrk(path, head, conns)
        print(f"| {conns} | {p50:.2f} | {p99:.2f} | {rps:.0f} | {errors} |")
finally:
    server.terminate()
    server.wait()
