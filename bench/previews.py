#!/usr/bin/env python3
"""Memory and time of making previews (issue 18): each photo given is uploaded as the bloc's staff
member, then its preview is polled until it is made, the service's resident memory (VmRSS)
sampled every 2 ms from the upload's start until the preview is there.

Usage: bench/previews.py BIN PHOTO.jpg [PHOTO.jpg ...]   (PostgreSQL for the database, as bench/files.py)
Photos with real pixels are needed (a camera's, or made as BENCHMARKS.md shows); a photo given
twice shows a content whose preview is already made.
"""

import os, subprocess, sys, threading, time, urllib.request

from files import BASE, MiB, hwm, start, upload


def main():
    server, data, staff = start()
    try:
        for name in sys.argv[2:]:
            payload = open(name, "rb").read()
            _, before = hwm(server.pid)
            samples, done = [before], threading.Event()
            def sample():
                while not done.is_set():
                    samples.append(hwm(server.pid)[1])
                    time.sleep(0.002)
            th = threading.Thread(target=sample); th.start()
            t = time.time()
            f = upload(staff, os.path.basename(name), payload)
            up = time.time() - t
            while True:
                req = urllib.request.Request(BASE + f["preview_href"], headers={"authorization": "Bearer " + staff})
                with urllib.request.urlopen(req) as r:
                    if r.status == 200:
                        size = len(r.read())
                        break
                time.sleep(0.01)
            made = time.time() - t
            done.set(); th.join()
            print(f"| {os.path.basename(name)} | {len(payload)/MiB:.1f} MiB | {up*1000:.0f} ms | {made*1000:.0f} ms | {size} B | {before:.1f} | {max(samples):.1f} | {max(samples)-before:.1f} MiB |", flush=True)
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["rm", "-rf", data])


print("| photo | size | upload | preview ready after | preview | RSS before MiB | RSS max MiB | growth |")
print("|---|---|---|---|---|---|---|---|")
main()
