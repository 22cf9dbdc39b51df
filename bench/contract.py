#!/usr/bin/env python3
"""What a phone gets over the wire (issue 16): a page of 50 tasks and a campaign's progress as
they are, gzip and brotli, and a conditional GET answered 304; with the time per answer.

Usage: bench/contract.py [REQUESTS]      (default 200 per row)
Starts KHOI_BIN (default $CARGO_TARGET_DIR/release/khoi) on 127.0.0.1:18082 with a fresh SQLite
database in a temporary directory, loads the Hải Hà demo (`khoi seed-demo`), adds 60 tasks with
Vietnamese titles, descriptions and expected results of realistic length, then fetches each
answer REQUESTS times, one at a time, and prints a Markdown table. Sizes are bytes on the wire
(the body as sent, compressed or not), the same whatever the build; times depend on the build:
measure a release binary.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.error, urllib.request
from common import khoi_bin, wait

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
KHOI = khoi_bin()
BASE = "http://127.0.0.1:18082"
PW = "Hai-Ha-2016"


def call(method, path, body=None, token=None, headers=None):
    h = {"content-type": "application/json"}
    if token:
        h["authorization"] = f"Bearer {token}"
    h.update(headers or {})
    req = urllib.request.Request(BASE + path, method=method, headers=h,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def main():
    data = tempfile.mkdtemp()
    env = dict(os.environ, KHOI_DATA_DIR=data, KHOI_LOG="warn", KHOI_BIND="127.0.0.1:18082",
               KHOI_ADMIN_PASSWORD="Quản-trị-bench-2016")
    subprocess.run([KHOI, "seed-demo", "--password", PW], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([KHOI], env=env)
    try:
        wait(BASE, server, "/health")
        _, _, body = call("POST", "/api/v1/auth/login", {"username": "demo.head", "password": PW})
        token = json.loads(body)["access_token"]
        for i in range(60):
            call("POST", "/api/v1/tasks", {
                "title": f"Tuyên truyền, vận động nhân dân tham gia xây dựng nông thôn mới, đợt {i + 1}",
                "description": "Phối hợp với Hội Nông dân, Hội Liên hiệp Phụ nữ và Đoàn Thanh niên tổ chức "
                               "hội nghị tuyên truyền tại các thôn; rà soát các tiêu chí còn thiếu và "
                               "báo cáo kết quả về cơ quan Khối.",
                "expected_result": "Biên bản hội nghị tại 100% thôn; danh sách hộ đăng ký tham gia",
                "priority": "high"}, token)
        _, _, body = call("GET", "/api/v1/campaigns?limit=1", token=token)
        campaign = json.loads(body)["items"][0]["id"]
        rows = []
        for name, path in [("a page of 50 tasks", "/api/v1/tasks?limit=50"),
                           ("a campaign's progress", f"/api/v1/campaigns/{campaign}/progress")]:
            _, headers, _ = call("GET", path, token=token)
            tag = headers.get("ETag") or headers.get("etag")
            codings = [("as it is", {}), ("gzip", {"accept-encoding": "gzip"}),
                       ("brotli", {"accept-encoding": "br"})]
            if tag:  # a build without conditional GETs gives lists no tag
                codings.append(("304 (If-None-Match)", {"if-none-match": tag}))
            for label, extra in codings:
                times, size, status = [], 0, 0
                for _ in range(N):
                    t0 = time.perf_counter()
                    status, _, b = call("GET", path, token=token, headers=extra)
                    times.append((time.perf_counter() - t0) * 1000)
                    size = len(b)
                times.sort()
                rows.append((name, label, status, size, statistics.median(times), times[int(len(times) * 0.99) - 1]))
        print(f"| answer | coding | status | bytes on the wire | p50 ms | p99 ms |")
        print("|---|---|---|---|---|---|")
        for name, label, status, size, p50, p99 in rows:
            print(f"| {name} | {label} | {status} | {size:,} | {p50:.2f} | {p99:.2f} |")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
