#!/usr/bin/env python3
"""The built task list with a read replica and two instances behind nginx (issue 19, item 6).

Usage: SECS=10 bench/replica.py BIN DB   (after bench/seed.py DB N, bash .ci/replica; wrk and
nginx from Debian needed)
Three set-ups in turn, twice over, on one database and its streaming replica (127.0.0.1:5433):
  one             one instance (2 workers, pool 32), read directly
  two+nginx       two instances (1 worker, pool 16 each) behind nginx (round robin, keep-alive)
  two+nginx+replica  the same, each with KHOI_DATABASE_READ_URL naming the replica
wrk reads the list built from the database for every request (bench/built_random.lua: a random
bloc's head per request, a random far `due_to` so no page is kept) at 32 clients, while a writer
creates a task in a random bloc 5 times a second through the same entry. Reported: req/s, p50,
p99, non-2xx, where the replicated reads went (khoi_replica_reads_total, summed over instances)
and the CPU ticks (1/100 s) that khoi, the primary's and the replica's PostgreSQL used.
"""
import os, random, re, subprocess, sys, tempfile, threading, time
from common import HERE, SECRET, call, psql, wait, wrk_figures

BIN, DB = sys.argv[1], sys.argv[2]
SECS = int(os.environ.get("SECS", "10"))
PW = "bench-password-2016"
PRIMARY = f"postgres://postgres@127.0.0.1:5432/{DB}"
REPLICA = f"postgres://postgres@127.0.0.1:5433/{DB}"
ENTRY = "http://127.0.0.1:18100"
PORTS = [18101, 18102]
NGINX_DIR = tempfile.mkdtemp(prefix="khoi-nginx-")


def postmaster(pidfile):
    with open(pidfile) as f:
        return int(f.readline())


def ticks(pids):
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[pid] = int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return out


def family(pid):
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(k) for k in kids]


def snap(servers):
    primary = postmaster(psql(DB, "SHOW data_directory") + "/postmaster.pid")
    replica = postmaster("/var/tmp/khoi-replica/data/postmaster.pid")
    return (ticks([s.pid for s in servers]), ticks(family(primary)), ticks(family(replica)))


def used(a, b):
    return sum(v - a.get(k, 0) for k, v in b.items())


def nginx_start():
    conf = os.path.join(NGINX_DIR, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
pid {NGINX_DIR}/nginx.pid;
error_log {NGINX_DIR}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {NGINX_DIR}/body; proxy_temp_path {NGINX_DIR}/proxy;
  fastcgi_temp_path {NGINX_DIR}/fcgi; uwsgi_temp_path {NGINX_DIR}/uwsgi; scgi_temp_path {NGINX_DIR}/scgi;
  upstream khoi {{ {' '.join(f'server 127.0.0.1:{p};' for p in PORTS)} keepalive 64; }}
  server {{
    listen 127.0.0.1:18100;
    location / {{
      proxy_pass http://khoi; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
""")
    return subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve(port, workers, pool, replica):
    env = dict(os.environ, DATABASE_URL=PRIMARY, KHOI_BIND=f"127.0.0.1:{port}", KHOI_LOG="warn",
               KHOI_JWT_SECRET=SECRET, KHOI_DB_MAX_CONNECTIONS=str(pool),
               KHOI_WORKERS=str(workers), KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000",
               KHOI_SCHEDULER="off")
    if replica:
        env["KHOI_DATABASE_READ_URL"] = REPLICA
    s = subprocess.Popen([BIN], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(f"http://127.0.0.1:{port}", s)
    return s


def routed(port):
    text = call(f"http://127.0.0.1:{port}", "GET", "/metrics").decode()
    return {k: int(v) for k, v in re.findall(r'^khoi_replica_reads_total\{served_by="(\w+)"\} (\d+)$', text, re.M)}


def writer(base, heads, stop, done):
    n = 0
    while not stop.is_set():
        t0 = time.time()
        n += 1
        call(base, "POST", "/api/v1/tasks", {"title": f"Rà soát hộ cận nghèo đợt {time.time_ns()}-{n}"}, random.choice(heads))
        done.append(1)
        time.sleep(max(0, 0.2 - (time.time() - t0)))


def wrk(base, tokens):
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{SECS}s", "--latency", "-s", os.path.join(HERE, "built_random.lua"), base + "/"],
                         env=dict(os.environ, TOKENS=tokens), capture_output=True, text=True, check=True).stdout
    p50, p99, rps, bad = wrk_figures(out)
    return rps, p50, p99, bad


def cell(name):
    two = name.startswith("two")
    replica = name.endswith("replica")
    servers = [serve(p, 1, 16, replica) for p in PORTS] if two else [serve(PORTS[0], 2, 32, replica)]
    lb = nginx_start() if two else None
    base = ENTRY if two else f"http://127.0.0.1:{PORTS[0]}"
    try:
        wait(base, lb)
        heads = [call(base, "POST", "/api/v1/auth/login", {"username": f"b{n}.s1", "password": PW})["access_token"] for n in range(1, 51)]
        with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as f:
            f.write("\n".join(heads) + "\n")
        wrk(base, f.name)  # warm-up: connections, plans
        before = [routed(p) for p in PORTS[: len(servers)]]
        stop, done = threading.Event(), []
        w = threading.Thread(target=writer, args=(base, heads, stop, done))
        w.start()
        a = snap(servers)
        rps, p50, p99, bad = wrk(base, f.name)
        b = snap(servers)
        stop.set()
        w.join()
        after = [routed(p) for p in PORTS[: len(servers)]]
        os.unlink(f.name)
        went = {}
        for x, y in zip(before, after):
            for k, v in y.items():
                went[k] = went.get(k, 0) + v - x.get(k, 0)
        share = f"{went.get('replica', 0)} / {went.get('primary_replica_behind', 0)} / {went.get('primary_replica_unreachable', 0)}" if replica else "—"
        return (rps, p50, p99, bad, len(done) / SECS, share, used(a[0], b[0]), used(a[1], b[1]), used(a[2], b[2]))
    finally:
        if lb:
            lb.terminate()
            lb.wait()
        for s in servers:
            s.terminate()
            s.wait()


print("| set-up | pass | list req/s | p50 ms | p99 ms | non-2xx | writes/s | to replica / primary (behind) / primary (down) | CPU ticks khoi / primary PG / replica PG |")
print("|---|---|---|---|---|---|---|---|---|")
for p in range(2):
    for name in ("one", "two+nginx", "two+nginx+replica"):
        rps, p50, p99, bad, writes, share, k, pg, rep = cell(name)
        print(f"| {name} | {p + 1} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {bad} | {writes:.1f} | {share} | {k} / {pg} / {rep} |", flush=True)
