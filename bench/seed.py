#!/usr/bin/env python3
"""Seeds a PostgreSQL database for the benchmark: 50 blocs, each with 6 organisations,
4 sub-committees, 20 staff with accounts, 16 communes, one campaign with a ratio target and two
years of monthly figures from every commune, and N tasks in total (default 1,000,000) with
coordinators and the search words the service itself would store. Task ids are time-ordered, as
the service's are, and the newest tenth of each bloc's tasks carries a word of its own ("đợt").

Usage: bench/seed.py DBNAME TASKS   (server from PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres)
Every account's password is `bench-password-2016`. Re-running recreates the database.

NATIONAL=1: the country after the 2025 reform instead (issue 19's national simulation): a
province bloc in each of the 34 provinces (blocs 1-34) and 3,300 commune blocs under them (blocs
35-3334, about 97 a province), the same people, communes and campaign in each, the tasks spread
over all 3,334 blocs. It leaves out the tasks' history and search words (30 and 120 million rows
at 10,000,000 tasks), which the measured reads (list, detail, my tasks, the summary) do not touch.
"""
import json, os, re, subprocess, sys, time, unicodedata
from common import ROOT, khoi_bin, pg_url, psql

DB = sys.argv[1] if len(sys.argv) > 1 else "khoi_bench"
TASKS = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
NATIONAL = os.environ.get("NATIONAL") == "1"
BLOCS = 3334 if NATIONAL else 50
# The newest tenth of each bloc's tasks says "(đợt 2)" in its title, a word no other task has: a
# word whose matches lie together at the end of a walk in creation order, as a year's or a
# drive's words do (bench/run.py's search-recent).
RECENT = TASKS // BLOCS // 10
KHOI = khoi_bin()
URL = pg_url(DB)

def fold(s):
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "d")
    return s.lower()

def tokens(s):
    out = []
    for w in re.split(r"[^a-z0-9]+", fold(s)):
        if w and w[:64] not in out:
            out.append(w[:64])
    return out

def lit(s):
    return "'" + s.replace("'", "''") + "'"

t0 = time.time()
psql("postgres", f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE); CREATE DATABASE "{DB}";')
env = dict(os.environ, DATABASE_URL=URL, KHOI_LOG="warn")
subprocess.run([KHOI, "migrate"], env=env, check=True)
# One real Argon2id hash, made by the service, shared by every bench account.
subprocess.run([KHOI, "create-user", "--username", "bench.admin", "--role", "admin"], env=env,
               input=b"bench-password-2016\n", check=True, stdout=subprocess.DEVNULL)

fixture = json.load(open(os.path.join(ROOT, "tests", "fixtures", "overlap.json")))
titles = [t for g in fixture["groups"] for t in g]
title_array = "ARRAY[" + ",".join(lit(t) for t in titles) + "]"
token_rows = ",".join(f"({i},{lit(tok)})" for i, t in enumerate(titles) for tok in tokens(t))

HISTORY = """
-- Each task's history, for `as_of`: created (draft) the day it opened, assigned the next day,
-- then moved to where it is now (completed on its completion day, the rest ten days in).
INSERT INTO task_events (id, task_id, bloc_id, action, from_status, to_status, actor_id, note, data, created_at, occurred_on)
SELECT gen_random_uuid(), t.id, t.bloc_id, 'create', NULL, 'draft', t.created_by, NULL, '{}', t.created_at, t.opened_on
FROM tasks t;
INSERT INTO task_events (id, task_id, bloc_id, action, from_status, to_status, actor_id, note, data, created_at, occurred_on)
SELECT gen_random_uuid(), t.id, t.bloc_id, 'assign', 'draft', 'assigned', t.created_by, NULL, '{}', t.created_at, t.opened_on + 1
FROM tasks t WHERE t.status <> 'draft';
INSERT INTO task_events (id, task_id, bloc_id, action, from_status, to_status, actor_id, note, data, created_at, occurred_on)
SELECT gen_random_uuid(), t.id, t.bloc_id,
       CASE t.status WHEN 'in_progress' THEN 'start' WHEN 'submitted' THEN 'submit' WHEN 'returned' THEN 'return'
                     WHEN 'completed' THEN 'complete' ELSE 'cancel' END,
       'assigned', t.status, t.created_by, NULL, '{}', t.created_at,
       GREATEST(t.opened_on + 1, COALESCE(t.completed_on, t.opened_on + 10))
FROM tasks t WHERE t.status NOT IN ('draft', 'assigned');

"""
WORDS = f"""
INSERT INTO search_tokens (resource_type, bloc_id, token, resource_id)
SELECT 'task', b.id, tok.token, tt.id FROM tt JOIN b ON b.n = tt.bn JOIN tpl_tokens tok ON tok.tpl = tt.tpl
ON CONFLICT DO NOTHING;
INSERT INTO search_tokens (resource_type, bloc_id, token, resource_id)
SELECT 'task', b.id, w.token, tt.id FROM tt JOIN b ON b.n = tt.bn CROSS JOIN (VALUES ('dot'), ('2')) w(token)
WHERE tt.n < {RECENT}
ON CONFLICT DO NOTHING;
"""
if NATIONAL:
    BLOC_ROWS = """
CREATE TEMP TABLE pv AS SELECT row_number() OVER (ORDER BY code) AS k, id, name, name_folded FROM provinces WHERE valid_to IS NULL;
INSERT INTO blocs (id, name, name_folded, level, parent_id, province, province_folded, province_id, established_on, founding_decision, version, created_at, updated_at)
SELECT b.id, 'Khối Mặt trận và các đoàn thể tỉnh ' || pv.name, 'khoi mat tran va cac doan the tinh ' || pv.name_folded, 'province', NULL,
       pv.name, pv.name_folded, pv.id, DATE '2025-07-01', '01-QĐ/TU', 1, now(), now() FROM b JOIN pv ON pv.k = b.n WHERE b.n <= 34;
INSERT INTO blocs (id, name, name_folded, level, parent_id, province, province_folded, province_id, established_on, founding_decision, version, created_at, updated_at)
SELECT b.id, 'Khối Mặt trận và các đoàn thể xã số ' || b.n || ', ' || pv.name, 'khoi mat tran va cac doan the xa so ' || b.n || ', ' || pv.name_folded,
       'commune', p.id, pv.name, pv.name_folded, pv.id, DATE '2025-07-01', '02-QĐ/ĐU', 1, now(), now()
FROM b JOIN pv ON pv.k = ((b.n - 35) % 34) + 1 JOIN b p ON p.n = pv.k WHERE b.n > 34;
"""
else:
    BLOC_ROWS = """
INSERT INTO blocs (id, name, name_folded, level, parent_id, province, province_folded, established_on, founding_decision, version, created_at, updated_at)
SELECT id, 'Khối Mặt trận và các đoàn thể huyện số ' || n, 'khoi mat tran va cac doan the huyen so ' || n, 'district', NULL,
       'Quảng Ninh', 'quang ninh', DATE '2016-01-25', '111-QĐ/TU', 1, now(), now() FROM b;
"""
sql = f"""
SET synchronous_commit = off;
CREATE TEMP TABLE b AS SELECT g AS n, gen_random_uuid() AS id FROM generate_series(1, {BLOCS}) g;
{BLOC_ROWS}
CREATE TEMP TABLE o AS SELECT b.n AS bn, k AS kn, gen_random_uuid() AS id, b.id AS bloc_id FROM b, generate_series(1, 6) k;
INSERT INTO organisations (id, bloc_id, code, name, kind, head_staff_id, version, created_at, updated_at)
SELECT id, bloc_id, (ARRAY['MTTQ','HND','HLHPN','DTN','CCB','LDLD'])[kn],
       (ARRAY['Ủy ban MTTQ','Hội Nông dân','Hội Liên hiệp Phụ nữ','Huyện đoàn','Hội Cựu chiến binh','Liên đoàn Lao động'])[kn],
       CASE WHEN kn = 1 THEN 'fatherland_front' ELSE 'socio_political' END, NULL, 1, now(), now() FROM o;
CREATE INDEX ON o (bn, kn);
CREATE TEMP TABLE sc AS SELECT b.n AS bn, k AS kn, gen_random_uuid() AS id, b.id AS bloc_id FROM b, generate_series(1, 4) k;
CREATE INDEX ON sc (bn, kn);
INSERT INTO sub_committees (id, bloc_id, code, name, mandate, head_staff_id, version, created_at, updated_at)
SELECT id, bloc_id, (ARRAY['VP','TTVD','KTGS','DCPL'])[kn],
       (ARRAY['Văn phòng','Tiểu ban Tuyên truyền – vận động','Tiểu ban Kiểm tra – giám sát','Tiểu ban Dân chủ – pháp luật'])[kn],
       NULL, NULL, 1, now(), now() FROM sc;
CREATE TEMP TABLE st AS SELECT b.n AS bn, k AS kn, gen_random_uuid() AS id, b.id AS bloc_id FROM b, generate_series(1, 20) k;
INSERT INTO staff (id, bloc_id, full_name, position, organisation_id, sub_committee_id, role, phone, email, active, version, created_at, updated_at)
SELECT st.id, st.bloc_id, 'Cán bộ ' || st.kn || ' khối ' || st.bn, NULL,
       (SELECT o.id FROM o WHERE o.bn = st.bn AND o.kn = ((st.kn - 1) % 6) + 1),
       (SELECT sc.id FROM sc WHERE sc.bn = st.bn AND sc.kn = ((st.kn - 1) % 4) + 1),
       CASE WHEN st.kn = 1 THEN 'bloc_head' WHEN st.kn <= 6 THEN 'deputy_head' ELSE 'staff' END,
       NULL, NULL, TRUE, 1, now(), now() FROM st;
UPDATE sub_committees s SET head_staff_id = st.id FROM sc, st WHERE s.id = sc.id AND st.bn = sc.bn AND st.kn = sc.kn + 1;
INSERT INTO accounts (id, username, password_hash, role, bloc_id, province, active, version, created_at, updated_at, staff_id)
SELECT gen_random_uuid(), 'b' || st.bn || '.s' || st.kn, (SELECT password_hash FROM accounts WHERE username = 'bench.admin'),
       CASE WHEN st.kn = 1 THEN 'bloc_head' WHEN st.kn <= 6 THEN 'deputy_head' ELSE 'staff' END,
       st.bloc_id, NULL, TRUE, 1, now(), now(), st.id FROM st;
CREATE INDEX ON st (bn, kn);
CREATE TEMP TABLE head AS SELECT st.bn, a.id AS account_id FROM st JOIN accounts a ON a.staff_id = st.id WHERE st.kn = 1;
CREATE INDEX ON head (bn);

-- A UUID v7 for a time: its first 48 bits the milliseconds since 1970, the version 7, the rest random.
CREATE FUNCTION pg_temp.uuid7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_byte(overlay(uuid_send(gen_random_uuid())
         PLACING substring(int8send((extract(epoch FROM ts) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
         6, (get_byte(uuid_send(gen_random_uuid()), 6) & 15) | 112), 'hex')::uuid
$$;
CREATE TEMP TABLE tt AS
-- n % BLOCS picks the bloc; everything else derives from m = n / BLOCS, so that every bloc gets
-- every status, assignee, organisation and sub-committee.
-- Ids are time-ordered (UUID v7) as the service makes them, from each task's created_at
-- (m seconds ago): a list without a sort walks them oldest first, and the newest tasks come last.
SELECT pg_temp.uuid7(now() - ((n / {BLOCS}) || ' seconds')::interval) AS id, ((n % {BLOCS}) + 1)::int AS bn,
       n / {BLOCS} AS n, ((n * 7919) % {len(titles)})::int AS tpl,
       (((n / {BLOCS}) * 37) % 100)::int AS r FROM generate_series(1::bigint, {TASKS}::bigint) n;
CREATE TEMP TABLE tpl_tokens (tpl int, token text);
INSERT INTO tpl_tokens VALUES {token_rows};

INSERT INTO tasks (id, bloc_id, title, description, expected_result, directive_id, campaign_id, lead_organisation_id,
                   sub_committee_id, assignee_id, created_by, start_date, due_date, due_sort, priority, key_task, progress,
                   status, completed_on, duplicate_of, version, created_at, updated_at, opened_on, closed_on)
SELECT tt.id, b.id, ({title_array})[tt.tpl + 1] || CASE WHEN tt.n < {RECENT} THEN ' (đợt 2)' ELSE '' END, 'Thực hiện theo kế hoạch của Khối.', 'Báo cáo kết quả', NULL, NULL,
       o.id, sc.id, st.id, head.account_id,
       DATE '2016-01-01' + (tt.n % 700)::int,
       DATE '2016-01-15' + (tt.n % 700)::int,
       DATE '2016-01-15' + (tt.n % 700)::int,
       1 + (tt.n % 4), tt.n % 10 = 0,
       CASE WHEN tt.r < 30 THEN 100 ELSE (tt.n % 90) END,
       CASE WHEN tt.r < 10 THEN 'draft' WHEN tt.r < 25 THEN 'assigned' WHEN tt.r < 50 THEN 'in_progress'
            WHEN tt.r < 60 THEN 'submitted' WHEN tt.r < 65 THEN 'returned' WHEN tt.r < 95 THEN 'completed' ELSE 'cancelled' END,
       CASE WHEN tt.r >= 65 AND tt.r < 95 THEN DATE '2016-01-10' + (tt.n % 710)::int END,
       NULL, 1, now() - (tt.n || ' seconds')::interval, now(),
       DATE '2016-01-01' + (tt.n % 700)::int,
       CASE WHEN tt.r >= 65 AND tt.r < 95 THEN DATE '2016-01-10' + (tt.n % 710)::int
            WHEN tt.r >= 95 THEN DATE '2016-01-11' + (tt.n % 700)::int END
FROM tt JOIN b ON b.n = tt.bn
JOIN o ON o.bn = tt.bn AND o.kn = (tt.n % 6) + 1
JOIN sc ON sc.bn = tt.bn AND sc.kn = (tt.n % 4) + 1
JOIN st ON st.bn = tt.bn AND st.kn = 7 + (tt.n % 14)
JOIN head ON head.bn = tt.bn;

{"" if NATIONAL else HISTORY}

-- A province that has run the service for years was reminded of its overdue tasks when they fell
-- due: without these marks, every start of the service spends minutes (about 200 a second, in
-- the background of whatever is being measured) reminding people of 2016's deadlines.
INSERT INTO schedule_marks (kind, subject_id, on_date, created_at)
SELECT 'task.overdue', t.id, t.due_date, now() FROM tasks t
WHERE t.status IN ('assigned', 'in_progress', 'returned') AND t.due_date IS NOT NULL;

INSERT INTO task_coordinators (task_id, organisation_id)
SELECT tt.id, o.id FROM tt JOIN o ON o.bn = tt.bn AND o.kn = ((tt.n + 1) % 6) + 1 WHERE tt.n % 3 = 0;

{"" if NATIONAL else WORDS}

CREATE TEMP TABLE un AS SELECT b.n AS bn, k AS kn, gen_random_uuid() AS id, b.id AS bloc_id FROM b, generate_series(1, 16) k;
INSERT INTO units (id, bloc_id, name, name_folded, kind, parent_id, population, households, version, created_at, updated_at)
SELECT id, bloc_id, 'Xã số ' || kn, 'xa so ' || kn, 'commune', NULL, 5000 + kn * 100, 1200 + kn * 25, 1, now(), now() FROM un;
CREATE TEMP TABLE cp AS SELECT b.n AS bn, gen_random_uuid() AS id, gen_random_uuid() AS target_id, b.id AS bloc_id FROM b;
INSERT INTO campaigns (id, bloc_id, name, name_folded, kind, description, lead_organisation_id, start_on, end_on, status, created_by, version, created_at, updated_at)
SELECT cp.id, cp.bloc_id, 'Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh',
       'toan dan doan ket xay dung nong thon moi, do thi van minh', 'drive', NULL,
       (SELECT o.id FROM o WHERE o.bn = cp.bn AND o.kn = 1), DATE '2016-01-01', DATE '2017-12-31', 'active',
       (SELECT account_id FROM head WHERE head.bn = cp.bn), 1, now(), now() FROM cp;
INSERT INTO campaign_targets (id, bloc_id, campaign_id, indicator, measure, aggregation, unit_kind, baseline_value, baseline_on,
                              target_value, deadline, higher_is_better, created_by, version, created_at, updated_at)
SELECT cp.target_id, cp.bloc_id, cp.id, 'Tỷ lệ hộ đạt danh hiệu gia đình văn hóa', 'percent', 'ratio', 'commune', 78, DATE '2016-01-01',
       86, DATE '2017-12-31', TRUE, (SELECT account_id FROM head WHERE head.bn = cp.bn), 1, now(), now() FROM cp;
INSERT INTO campaign_measurements (id, bloc_id, campaign_id, target_id, unit_id, as_of, value, numerator, denominator, met,
                                   source, recorded_by, created_at)
SELECT gen_random_uuid(), cp.bloc_id, cp.id, cp.target_id, un.id,
       (DATE '2016-01-01' + (m + 1) * interval '1 month' - interval '1 day')::date, NULL,
       900 + un.kn * 20 + m * 4, 1200 + un.kn * 25, NULL, 'bench', (SELECT account_id FROM head WHERE head.bn = cp.bn), now()
FROM cp JOIN un ON un.bn = cp.bn CROSS JOIN generate_series(0, 23) m;
-- VACUUM too: each task's insert rewrote its tally rows (a dead version each), and a server
-- with autovacuum off (these machines') would leave the summary reading them all.
VACUUM ANALYZE;
"""
psql(DB, sql)
print(f"seeded {DB}: {BLOCS} blocs, {TASKS} tasks in {time.time() - t0:.0f} s")
