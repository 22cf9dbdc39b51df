#!/usr/bin/env python3
"""The embedded SQLite database under concurrent writers: task creates from W clients at once.

Usage: bench/sqlite_writers.py [WRITERS] [CREATES_PER_WRITER]   (default 20 and 50)
Starts target/release/khoi (KHOI_BIN to use another binary) on a fresh SQLite data directory
with the demo bloc (`khoi seed-demo`), signs in as demo.head, then W threads each create N tasks
as fast as they can. Prints p50, p99 and max of the create latency, and creates per second.
"""
import functools, os, shutil, statistics, subprocess, sys, tempfile, threading, time
from common import call, khoi_bin, wait

W = int(sys.argv[1]) if len(sys.argv) > 1 else 20
N = int(sys.argv[2]) if len(sys.argv) > 2 else 50
KHOI = khoi_bin()
BASE = "http://127.0.0.1:18091"
PASSWORD = "bench-password-2016"

data = tempfile.mkdtemp(prefix="khoi-sqlite-bench-")
env = dict(os.environ, KHOI_DATA_DIR=data, KHOI_BIND="127.0.0.1:18091", KHOI_LOG="warn",
           KHOI_ADMIN_PASSWORD=PASSWORD)
subprocess.run([KHOI, "seed-demo", "--password", PASSWORD], env=env, check=True, stdout=subprocess.DEVNULL)
server = subprocess.Popen([KHOI, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    wait(BASE, server)
    call = functools.partial(call, BASE)
    token = call("POST", "/api/v1/auth/login", {"username": "demo.head", "password": PASSWORD})["access_token"]
    times, errors = [], []
    lock = threading.Lock()

    def writer(w):
        for i in range(N):
            t = time.perf_counter()
            try:
                call("POST", "/api/v1/tasks", {"title": f"Vận động hộ gia đình, người viết {w} lần {i}"}, token)
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    times.append(ms)
            except Exception as e:
                with lock:
                    errors.append(str(e))

    started = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(W)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.perf_counter() - started
    times.sort()
    p99 = times[max(0, int(len(times) * 0.99) - 1)]
    print(f"{W} writers x {N} creates on SQLite: p50 {statistics.median(times):.1f} ms, "
          f"p99 {p99:.1f} ms, max {times[-1]:.1f} ms, {len(times) / elapsed:.0f} creates/s, "
          f"{len(errors)} errors")
    if errors:
        print("first error:", errors[0])
finally:
    server.terminate(); server.wait()
    shutil.rmtree(data, ignore_errors=True)
