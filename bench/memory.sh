#!/bin/bash
# Memory of one binary under load: bench/memory.sh BIN [ENV=VALUE…] (after bench/seed.py khoi_bench_200k 200000).
# Starts BIN on khoi_bench_200k, signs in as the bloc head, runs wrk at 128 clients for 5 s on a
# task's detail, the kept list and twice the list built from the database, printing VmRSS after each
# and VmHWM, the peak, since the sign-in (reset there through /proc/PID/clear_refs: the start-up's
# own peak, the spec and the stand-in password hash, is not the load's).
BIN=$(realpath "$1"); shift
cd "$(dirname "$0")/.."
env "$@" DATABASE_URL=postgres://postgres@127.0.0.1:5432/khoi_bench_200k KHOI_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 KHOI_BIND=127.0.0.1:18090 KHOI_LOG=warn KHOI_DB_MAX_CONNECTIONS=32 $BIN >/dev/null 2>&1 &
PID=$!
sleep 2
# RssAnon is the heap and stacks; RssFile mostly the binary's code pages that have been run.
m() { echo "$1: $(grep -E 'RssAnon|RssFile|VmRSS|VmHWM' /proc/$PID/status | tr -s ' \t\n' ' ')"; }
m start
TOK=$(curl -s -X POST -H 'content-type: application/json' -d '{"username":"b1.s1","password":"bench-password-2016"}' http://127.0.0.1:18090/api/v1/auth/login | python3 -c "import sys,json;print(json.load(sys.stdin)['access_token'])")
m login
echo 5 > /proc/$PID/clear_refs
ID=$(curl -s -H "Authorization: Bearer $TOK" "http://127.0.0.1:18090/api/v1/tasks?status=in_progress&limit=1" | python3 -c "import sys,json;print(json.load(sys.stdin)['items'][0]['id'])")
wrk -t2 -c128 -d5s -H "Authorization: Bearer $TOK" "http://127.0.0.1:18090/api/v1/tasks/$ID" >/dev/null; m detail128
wrk -t2 -c128 -d5s -H "Authorization: Bearer $TOK" "http://127.0.0.1:18090/api/v1/tasks?status=in_progress&limit=50" > /dev/null; m listkept128
QUERY="status=in_progress&limit=50" wrk -t2 -c128 -d5s -s bench/search.lua -H "Authorization: Bearer $TOK" http://127.0.0.1:18090 >/dev/null; m listbuilt128
QUERY="status=in_progress&limit=50" wrk -t2 -c128 -d5s -s bench/search.lua -H "Authorization: Bearer $TOK" http://127.0.0.1:18090 >/dev/null; m listbuilt128again
kill $PID; wait $PID 2>/dev/null
