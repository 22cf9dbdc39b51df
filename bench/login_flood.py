#!/usr/bin/env python3
"""A flood of sign-ins with unknown usernames: what it costs the process in memory.

Usage: bench/login_flood.py [CONCURRENT]   (default 256)
Starts target/release/khoi (KHOI_BIN to use another binary) on a fresh SQLite data directory
with the per-address and global sign-in limits lifted (so password hashing itself is what is
measured), sends CONCURRENT sign-ins at once, and prints the answers by status, the process's
peak resident memory (VmHWM) and its thread count.
"""
import asyncio, collections, json, os, shutil, subprocess, sys, tempfile, time
from common import khoi_bin, wait

N = int(sys.argv[1]) if len(sys.argv) > 1 else 256
KHOI = khoi_bin()
PORT = 18181

def status(pid):
    return {l.split(":")[0]: l.split(":")[1].strip() for l in open(f"/proc/{pid}/status") if ":" in l}

async def one(i):
    r, w = await asyncio.open_connection("127.0.0.1", PORT)
    body = json.dumps({"username": f"khong-co-{i}", "password": "doan-bua-12345"}).encode()
    w.write(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    await w.drain()
    data = await r.read()
    return data.split(b" ")[1].decode()

async def flood():
    return collections.Counter(await asyncio.gather(*[one(i) for i in range(N)]))

data = tempfile.mkdtemp(prefix="khoi-flood-")
env = dict(os.environ, KHOI_DATA_DIR=data, KHOI_BIND=f"127.0.0.1:{PORT}", KHOI_LOG="warn",
           KHOI_ADMIN_PASSWORD="Quản-trị-2016", KHOI_LOGIN_RATE_PER_ADDRESS="1000000",
           KHOI_LOGIN_RATE_GLOBAL="1000000", KHOI_WORKERS="2")
server = subprocess.Popen([KHOI, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    wait(f"http://127.0.0.1:{PORT}", server)
    before = status(server.pid)["VmHWM"]
    started = time.perf_counter()
    answers = asyncio.run(flood())
    took = time.perf_counter() - started
    s = status(server.pid)
    print(f"{N} sign-ins at once: {dict(answers)} in {took:.1f} s; peak memory {s['VmHWM']} "
          f"(before {before}), threads {s['Threads']}")
finally:
    server.terminate(); server.wait()
    shutil.rmtree(data, ignore_errors=True)
