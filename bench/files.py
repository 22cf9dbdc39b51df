#!/usr/bin/env python3
"""Attachments (issue 18): memory while a 25 MiB file is uploaded, 20 concurrent 5 MiB uploads,
and 1 MiB downloads at 8 clients, to the local folder, on PostgreSQL.

Usage: bench/files.py [BIN]      (wrk needed; BIN a release build, default KHOI_BIN)
A fresh database `khoi_files`, a fresh data folder, the binary on 127.0.0.1:18083, a bloc and a
staff member made through the API, then:
  memory    the service's peak resident memory (VmHWM) before and after one 25 MiB upload
            (a PDF, then a JPEG, whose metadata is stripped in a second pass), each after a
            warm-up upload of 1 MiB of the same type
  uploads   20 clients at once, each uploading a different 5 MiB PDF; MB/s = bytes / wall time
  download  wrk, 8 clients, 10 s, GET /files/{id}/content of a 1 MiB file
Prints a Markdown table.
"""
import functools, http.client, json, os, re, subprocess, sys, tempfile, threading, time
from common import SECRET, call, commune_with_staff, khoi_bin, pg_url, psql, wait, wrk_figures

BIN = (sys.argv[1:] or [khoi_bin()])[0]
HOST, PORT = "127.0.0.1", 18083
BASE = f"http://{HOST}:{PORT}"
DB = "khoi_files"
PW = "Mật-khẩu-bench-2026"
SECS = int(os.environ.get("SECS", "10"))
MiB = 1024 * 1024
BOUNDARY = "khoi-bench-0c5e"
call = functools.partial(call, BASE, exit_on_error=True)


def pdf(n, seed):
    head = b"%PDF-1.7\n%" + seed.to_bytes(8, "big") + b"\n"
    return head + os.urandom(n - len(head))


def jpeg(n):
    head = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) + b"JFIF\0\1\1\0\0\1\0\1\0\0"
    exif = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0"
    app1 = bytes([0xFF, 0xE1]) + (len(exif) + 2).to_bytes(2, "big") + exif
    sos = bytes([0xFF, 0xDA, 0, 4, 1, 2])
    body = head + app1 + sos
    return body + os.urandom(n - len(body) - 2) + bytes([0xFF, 0xD9])


def form(name, data):
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(token, name, data):
    body = form(name, data)
    c = http.client.HTTPConnection(HOST, PORT, timeout=600)
    c.request("POST", "/api/v1/files", body=body, headers={
        "authorization": "Bearer " + token, "content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    r = c.getresponse()
    out = r.read()
    c.close()
    if r.status != 201:
        raise SystemExit(f"upload {name}: {r.status} {out[:300]}")
    return json.loads(out)


def hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        s = f.read()
    return int(re.search(r"VmHWM:\s+(\d+) kB", s).group(1)) / 1024, int(re.search(r"VmRSS:\s+(\d+) kB", s).group(1)) / 1024


def wrk(path, token, conns):
    cmd = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{SECS}s", "--latency", "-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout
    return wrk_figures(out)


def start():
    """A fresh database and data folder, the service on them, a bloc whose staff member signs in:
    (server, data folder, the staff member's token). The caller stops the server."""
    psql("postgres", f"DROP DATABASE IF EXISTS {DB}")
    psql("postgres", f"CREATE DATABASE {DB}")
    data = tempfile.mkdtemp(prefix="khoi-files-bench-")
    env = dict(os.environ, DATABASE_URL=pg_url(DB), KHOI_BIND=f"{HOST}:{PORT}", KHOI_LOG="warn",
               KHOI_DATA_DIR=data, KHOI_JWT_SECRET=SECRET, KHOI_ADMIN_PASSWORD=PW,
               KHOI_LOGIN_RATE_PER_ADDRESS="100000", KHOI_LOGIN_RATE_GLOBAL="100000", KHOI_SCHEDULER="off")
    server = subprocess.Popen([BIN], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(BASE, server)
        admin = call("POST", "/api/v1/auth/login", {"username": "admin", "password": PW})["access_token"]
        _, _, staff = commune_with_staff(call, admin, PW)
    except BaseException:
        server.terminate()
        raise
    return server, data, staff


def main():
    server, data, staff = start()
    rows = []
    try:
        # Memory: one 25 MiB upload after a warm-up of the same type, the service's resident
        # memory sampled every 2 ms while it runs.
        for kind, make in [("pdf", lambda n, i: pdf(n, i)), ("jpeg", lambda n, i: jpeg(n))]:
            upload(staff, f"warm.{kind}", make(1 * MiB, 1))
            payload = make(25 * MiB, 2)
            _, rss_before = hwm(server.pid)
            samples, done = [rss_before], threading.Event()

            def sample():
                while not done.is_set():
                    samples.append(hwm(server.pid)[1])
                    time.sleep(0.002)

            sampler = threading.Thread(target=sample)
            sampler.start()
            t = time.time()
            f = upload(staff, f"lon.{kind}", payload)
            took = time.time() - t
            done.set()
            sampler.join()
            assert f["size"] <= 25 * MiB
            rows.append((f"one 25 MiB {kind} upload: resident memory growth", f"{max(samples) - rss_before:.1f} MiB "
                         f"(resident {rss_before:.1f} → at most {max(samples):.1f} MiB over {len(samples)} samples); "
                         f"{took * 1000:.0f} ms"))

        # 20 concurrent 5 MiB uploads, each a different content.
        payloads = [pdf(5 * MiB, 100 + i) for i in range(20)]
        bodies_done = []
        barrier = threading.Barrier(21)

        def one(i):
            barrier.wait()
            upload(staff, f"bao-cao-{i}.pdf", payloads[i])
            bodies_done.append(i)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for th in threads:
            th.start()
        barrier.wait()
        t = time.time()
        for th in threads:
            th.join()
        wall = time.time() - t
        total = 20 * 5 * MiB
        assert len(bodies_done) == 20
        rows.append(("20 concurrent 5 MiB uploads", f"{wall:.2f} s: {total / wall / 1e6:.1f} MB/s ({total / wall / MiB:.1f} MiB/s)"))
        _, peak = hwm(server.pid)[0], hwm(server.pid)[0]
        rows.append(("peak resident memory after all of the above", f"{peak:.1f} MiB"))

        # 1 MiB downloads at 8 clients.
        one_mib = upload(staff, "mot-mib.pdf", pdf(1 * MiB, 7))
        p50, p99, rps, bad = wrk(one_mib["content_href"], staff, 8)
        rows.append(("1 MiB download, 8 clients", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, {rps:.0f} req/s "
                     f"({rps * MiB / 1e6:.0f} MB/s), non-2xx {bad}"))
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["rm", "-rf", data])
    print("| measure | result |")
    print("|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
