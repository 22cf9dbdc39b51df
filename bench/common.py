"""What the benchmark scripts share: where the binary and the database are, one request to the
API, waiting for a server to answer, wrk's figures, and psql. Each script imports it from its own
folder (`python3 bench/x.py` puts `bench/` first on the path)."""
import json, os, re, subprocess, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "bench")
# Every benchmark signs its tokens with this (never a production secret).
SECRET = "bench-secret-bench-secret-bench-secret-0123"
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")


def khoi_bin():
    """KHOI_BIN, or the release build of this checkout (under CARGO_TARGET_DIR when it is set)."""
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.environ.get("KHOI_BIN", os.path.join(target, "release", "khoi"))


def pg_url(db):
    return f"postgres://{PGUSER}@{PGHOST}:{PGPORT}/{db}"


def psql(db, sql):
    """Runs `sql` (several statements allowed; the first error ends the script with psql's
    message); what it printed, unaligned and without headers."""
    r = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, "-d", db],
                       input=sql, text=True, capture_output=True)
    if r.returncode != 0:
        raise SystemExit(f"psql {db}: {r.stderr.strip()}")
    return r.stdout.strip()


def call(base, method, path, body=None, token=None, ctype="application/json", raw=None, exit_on_error=False):
    """`method path` on the server at `base`: the answer parsed when it is JSON, its bytes when
    it is not, None when it is empty. A refusal raises HTTPError, or with `exit_on_error` ends
    the script naming the request and the problem."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, method=method, data=data)
    req.add_header("content-type", ctype)
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            out, kind = r.read(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        if exit_on_error:
            raise SystemExit(f"{method} {path}: {e.code} {e.read()[:400]}")
        raise
    if not out:
        return None
    return json.loads(out) if "json" in kind else out


def wait(base, server=None, path="/ready", seconds=60, any_status=False):
    """Until `base + path` answers 2xx (any status with `any_status`: a peer without /ready);
    ends the script if `server` (a Popen) exits first or nothing answers in time."""
    end = time.time() + seconds
    while time.time() < end:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"the server at {base} exited with {server.returncode}")
        try:
            urllib.request.urlopen(base + path)
            return
        except urllib.error.HTTPError:
            if any_status:
                return
            time.sleep(0.2)
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{base} did not answer in {seconds} s")


def wrk_figures(out):
    """(p50 ms, p99 ms, requests a second, non-2xx answers) from the output of `wrk --latency`;
    NaN where wrk printed none."""
    def ms(q):
        m = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return ms(50), ms(99), float(rps.group(1)) if rps else float("nan"), int(bad.group(1)) if bad else 0


def first_login(call, username, password):
    """Signs in an account someone else made, chooses its own password (`password` + "!"), as the
    service requires before anything else, and signs in again: the token."""
    token = call("POST", "/api/v1/auth/login", {"username": username, "password": password})["access_token"]
    call("POST", "/api/v1/me/password", {"current_password": password, "new_password": password + "!"}, token)
    return call("POST", "/api/v1/auth/login", {"username": username, "password": password + "!"})["access_token"]


def commune_with_staff(call, admin, password):
    """A commune bloc made by the admin with its head, and a staff member with an account, both
    signed in past their first password: (bloc, head's token, staff member's token)."""
    bloc = call("POST", "/api/v1/blocs", {"name": "Khối xã Quảng Minh", "level": "commune", "province": "Quảng Ninh",
                                         "head": {"full_name": "Nguyễn Văn Hải", "username": "hai.head", "password": password}}, admin)
    head = first_login(call, "hai.head", password)
    s = call("POST", "/api/v1/staff", {"full_name": "Trần Thị Lan", "position": "Cán bộ", "role": "staff"}, head)
    call("POST", "/api/v1/accounts", {"username": "lan.staff", "password": password, "role": "staff", "bloc_id": bloc["id"],
                                      "staff_id": s["id"]}, admin)
    return bloc, head, first_login(call, "lan.staff", password)
