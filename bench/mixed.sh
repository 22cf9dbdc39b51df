#!/usr/bin/env bash
# The task list at 32 clients while creates run at the same time in the same bloc (what the page
# cache meets in real use: every write moves the feed position and drops kept pages).
# Usage: bash bench/mixed.sh   (after bench/seed.py khoi_bench 1000000 and cargo build --release)
# WRITERS=N sets the connections creating tasks (default 1).
set -e
B=${KHOI_BIN:-${CARGO_TARGET_DIR:-target}/release/khoi}
DATABASE_URL=postgres://postgres@127.0.0.1:5432/khoi_bench KHOI_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 KHOI_BIND=127.0.0.1:18090 KHOI_LOG=warn KHOI_DB_MAX_CONNECTIONS=32 $B & PID=$!
trap "kill $PID" EXIT
for i in $(seq 1 50); do curl -s -o /dev/null 127.0.0.1:18090/ready && break; sleep 0.2; done
TOK=$(curl -s 127.0.0.1:18090/api/v1/auth/login -H 'content-type: application/json' -d '{"username":"b1.s1","password":"bench-password-2016"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
SC=$(curl -s 127.0.0.1:18090/api/v1/sub-committees -H "authorization: Bearer $TOK" | python3 -c 'import json,sys;print([x["id"] for x in json.load(sys.stdin)["items"] if x["code"]=="VP"][0])')
ORG=$(curl -s 127.0.0.1:18090/api/v1/organisations -H "authorization: Bearer $TOK" | python3 -c 'import json,sys;print([x["id"] for x in json.load(sys.stdin)["items"] if x["code"]=="MTTQ"][0])')
TOKEN=$TOK SC=$SC ORG=$ORG wrk -t1 -c${WRITERS:-1} -d10s -s bench/create.lua http://127.0.0.1:18090/api/v1/tasks > /tmp/mixed-create.txt &
wrk -t2 -c32 -d10s --latency -H "Authorization: Bearer $TOK" "http://127.0.0.1:18090/api/v1/tasks?status=in_progress&limit=50" > /tmp/mixed-list.txt
wait %1 2>/dev/null || true
sleep 1
grep -E "50%|99%|Requests/sec" /tmp/mixed-list.txt; grep -E "Requests/sec" /tmp/mixed-create.txt
