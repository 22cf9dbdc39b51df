#!/usr/bin/env python3
"""Work between levels at a province's scale (issue 15), on PostgreSQL.

Usage: bench/levels.py [CONNECTIONS] [SECONDS]     (wrk and a release build needed)
Makes a fresh database `khoi_levels`, starts the release build on 127.0.0.1:18081 and builds,
through the API: a province bloc with 100 commune blocs (each with its head and its Front
committee), 10 units in each (1,000), a campaign cascaded to all 100 with one ratio target, and
50 monthly figures for every unit (50,000) sent as each commune's reporting rounds. Then:
  delegate   POST /tasks/{id}/delegations to all 100 blocs, timed once per task (5 tasks)
  roll-up    GET /tasks/{id}/delegations of a task delegated to 100 blocs (wrk)
  progress   GET /campaigns/{id}/progress of the campaign cascaded to 100 blocs (wrk: kept
             between writes), and built afresh after a write (one client, 21 reads)
  writing    both reads again while the communes write 5 times a second (WRITES_PER_S), each
             write a task created in a commune picked in turn: every write moves the
             change feed's position, so kept answers are made again after each one
and prints a Markdown table.
"""
import functools, os, subprocess, sys, threading, time
from common import SECRET, call, khoi_bin, pg_url, psql, wait, wrk_figures

CONNS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
SECS = int(sys.argv[2]) if len(sys.argv) > 2 else 15
KHOI = khoi_bin()
BASE = "http://127.0.0.1:18081"
DB = "khoi_levels"
PG = pg_url(DB)
PW = "Mật-khẩu-bench-2026"
N_BLOCS, N_UNITS, N_MONTHS = 100, 10, 50
WRITES_PER_S = float(os.environ.get("WRITES_PER_S", "5"))


call = functools.partial(call, BASE, exit_on_error=True)


def login(user, pw):
    return call("POST", "/api/v1/auth/login", {"username": user, "password": pw})["access_token"]


def first_login(user):
    t = login(user, PW)
    call("POST", "/api/v1/me/password", {"current_password": PW, "new_password": PW + "!"}, t)
    return login(user, PW + "!")


def wrk(path, token):
    cmd = ["wrk", f"-t{min(2, CONNS)}", f"-c{CONNS}", f"-d{SECS}s", "--latency", "-H", f"Authorization: Bearer {token}", BASE + path]
    return wrk_figures(subprocess.run(cmd, capture_output=True, text=True).stdout)


def month_end(i):
    y, m = 2022 + i // 12, i % 12 + 1
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    import datetime
    return (datetime.date(ny, nm, 1) - datetime.timedelta(days=1)).isoformat()


psql("postgres", f"DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB};")
server = subprocess.Popen([KHOI], env=dict(os.environ, DATABASE_URL=PG, KHOI_JWT_SECRET=SECRET,
                          KHOI_BIND="127.0.0.1:18081", KHOI_LOG="warn", KHOI_ADMIN_PASSWORD=PW, KHOI_DB_MAX_CONNECTIONS="16",
                          KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    wait(BASE, server)
    t0 = time.time()
    admin = login("admin", PW)
    prov = call("POST", "/api/v1/blocs", {"name": "Khối MTTQ và các đoàn thể tỉnh Quảng Ninh", "level": "province", "province": "Quảng Ninh",
                                          "head": {"full_name": "Trưởng khối tỉnh", "username": "tinh.head", "password": PW}}, admin)
    head = first_login("tinh.head")
    org = call("POST", "/api/v1/organisations", {"code": "MTTQ", "name": "Ủy ban MTTQ tỉnh", "kind": "fatherland_front",
                                                 "head_staff_id": prov["head"]["staff"]["id"]}, head)
    blocs = []
    for i in range(N_BLOCS):
        b = call("POST", "/api/v1/blocs", {"name": f"Khối xã {i + 1:03d}", "level": "commune", "parent_id": prov["id"],
                                           "head": {"full_name": f"Trưởng khối xã {i + 1}", "username": f"xa{i + 1}.head", "password": PW}}, admin)
        t = first_login(f"xa{i + 1}.head")
        call("POST", "/api/v1/organisations", {"code": "MTTQ", "name": f"Ủy ban MTTQ xã {i + 1}", "kind": "fatherland_front"}, t)
        units = [call("POST", "/api/v1/units", {"name": f"Thôn {j + 1}", "kind": "village"}, t)["id"] for j in range(N_UNITS)]
        blocs.append((b["id"], t, units))
    camp = call("POST", "/api/v1/campaigns", {"name": "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh", "kind": "movement",
                                              "lead_organisation_id": org["id"], "start_on": "2022-01-01", "end_on": "2026-12-31"}, head)
    call("POST", f"/api/v1/campaigns/{camp['id']}/targets", {"indicator": "Tỷ lệ hộ gia đình văn hóa", "measure": "percent",
                                                             "aggregation": "ratio", "target_value": 90, "due_on": "2026-12-31"}, head)
    kids = call("POST", f"/api/v1/campaigns/{camp['id']}/cascades", {"bloc_ids": [b[0] for b in blocs]}, head)
    kid_of = {k["bloc_id"]: k["id"] for k in kids}
    for bloc_id, t, units in blocs:
        kid = kid_of[bloc_id]
        target = call("GET", f"/api/v1/campaigns/{kid}/targets", None, t)["items"][0]["id"]
        for half in range(2):
            months = range(half * N_MONTHS // 2, (half + 1) * N_MONTHS // 2)
            rows = [{"unit_id": u, "measured_on": month_end(m), "numerator": 50 + (m % 40), "denominator": 100} for u in units for m in months]
            call("POST", f"/api/v1/campaigns/{kid}/targets/{target}/measurements", rows, t)
    setup = time.time() - t0
    # Delegating one task to all 100, five times.
    times, tasks = [], []
    for k in range(5):
        task = call("POST", "/api/v1/tasks", {"title": f"Tổ chức Ngày hội Đại đoàn kết, đợt {k + 1}", "description": "Các xã tổ chức ở mọi thôn.",
                                              "expected_result": "100% thôn tổ chức", "due_on": "2026-12-31"}, head)
        started = time.time()
        r = call("POST", f"/api/v1/tasks/{task['id']}/delegations", {"bloc_ids": [b[0] for b in blocs]}, head)
        times.append((time.time() - started) * 1000)
        assert r["totals"]["delegated"] == N_BLOCS
        tasks.append(task["id"])
    times.sort()
    # A few answers, so the roll-up has every kind of child.
    for i, (bloc_id, t, _) in enumerate(blocs[:30]):
        kid = [x for x in call("GET", "/api/v1/tasks?status=received&limit=200", None, t)["items"] if x["parent_task_id"] == tasks[0]][0]["id"]
        call("POST", f"/api/v1/tasks/{kid}/transitions", {"action": "accept"} if i % 3 else {"action": "decline", "reason": "Chưa đủ lực lượng"}, t)
    prog = call("GET", f"/api/v1/campaigns/{camp['id']}/progress", None, head)["targets"][0]
    assert prog["units_in_scope"] == N_BLOCS * N_UNITS and prog["units_reporting"] == N_BLOCS * N_UNITS, prog["units_in_scope"]
    print(f"setup through the API: {setup:.0f} s ({N_BLOCS} blocs, {N_BLOCS * N_UNITS} units, {N_BLOCS * N_UNITS * N_MONTHS} figures)\n")
    print(f"| read at {CONNS} clients, {SECS} s | p50 ms | p99 ms | req/s | non-2xx |")
    print("|---|---|---|---|---|")
    for name, path in [("roll-up of a task delegated to 100 blocs", f"/api/v1/tasks/{tasks[0]}/delegations"),
                       ("progress of a campaign cascaded to 100 blocs (1,000 units, 50,000 figures)", f"/api/v1/campaigns/{camp['id']}/progress")]:
        p50, p99, rps, errs = wrk(path, head)
        print(f"| {name} | {p50:.1f} | {p99:.1f} | {rps:.0f} | {errs} |")
    # The same reads while the communes write.
    stop, written = threading.Event(), [0]

    def writer():
        k, next_at = 0, time.time()
        while not stop.is_set():
            _, t, _ = blocs[k % N_BLOCS]
            call("POST", "/api/v1/tasks", {"title": f"Báo cáo nhanh số {k}", "description": "Ghi nhận trong lúc đo.",
                                            "expected_result": "Báo cáo gửi khối", "due_on": "2026-12-31"}, t)
            k, written[0] = k + 1, written[0] + 1
            next_at += 1 / WRITES_PER_S
            time.sleep(max(0.0, next_at - time.time()))

    for name, path in [("roll-up, while the communes write", f"/api/v1/tasks/{tasks[0]}/delegations"),
                       ("progress, while the communes write", f"/api/v1/campaigns/{camp['id']}/progress")]:
        stop.clear()
        written[0] = 0
        w = threading.Thread(target=writer)
        w.start()
        p50, p99, rps, errs = wrk(path, head)
        stop.set()
        w.join()
        print(f"| {name} ({written[0] / SECS:.1f} writes/s) | {p50:.1f} | {p99:.1f} | {rps:.0f} | {errs} |")
    print(f"\ndelegating one task to 100 blocs (5 tasks): min {times[0]:.0f} ms, median {times[2]:.0f} ms, max {times[-1]:.0f} ms")
    # The progress built afresh: a write anywhere drops kept answers, so time it after one.
    fresh = []
    for k in range(21):
        call("PATCH", f"/api/v1/blocs/{prov['id']}", {"founding_decision": f"QĐ-{k}"}, head)
        started = time.time()
        call("GET", f"/api/v1/campaigns/{camp['id']}/progress", None, head)
        fresh.append((time.time() - started) * 1000)
    fresh.sort()
    print(f"progress built afresh after a write, one client (21 reads): min {fresh[0]:.0f} ms, median {fresh[10]:.0f} ms, max {fresh[-1]:.0f} ms")
finally:
    server.terminate()
    server.wait()
