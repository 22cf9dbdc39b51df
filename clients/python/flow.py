"""The flow a script runs against khoi, through the Python client generated from the spec
(openapi-python-client): sign in, create and assign a task, report on it as its assignee, read
the feed, and read a problem in Vietnamese. Run by .ci/clients against SQLite and PostgreSQL;
a spec change that breaks the client (a renamed field, a changed type) fails here.

Usage: KHOI_BASE=http://127.0.0.1:8080 KHOI_DEMO_PASSWORD=... python flow.py
(with the generated package `khoi_client` importable)."""
import datetime
import os
import sys
import uuid

from khoi_client import AuthenticatedClient, Client
from khoi_client.api.auth import auth_login, me_get
from khoi_client.api.changes import changes_list
from khoi_client.api.organisations import organisations_list
from khoi_client.api.tasks import tasks_add_report, tasks_create, tasks_get, tasks_transition
from khoi_client.models import CreateTask, LoginRequest, Move, NewReport, Transition

BASE = os.environ["KHOI_BASE"]
PASSWORD = os.environ["KHOI_DEMO_PASSWORD"]


def check(cond, what):
    if not cond:
        sys.exit(f"python client flow: {what}")


def sign_in(username):
    res = auth_login.sync_detailed(
        client=Client(base_url=BASE), body=LoginRequest(username=username, password=PASSWORD)
    )
    check(res.status_code == 200, f"sign-in of {username}: {res.status_code} {res.content!r}")
    return AuthenticatedClient(base_url=BASE, token=res.parsed.access_token)


head = sign_in("demo.head")
staff = sign_in("demo.staff")

me = me_get.sync(client=staff)
check(me.person is not None and me.person.full_name, f"/me names the person: {me}")
assignee = me.person.staff_id

orgs = organisations_list.sync(client=head, limit=50)
lead = next(o for o in orgs.items if o.kind.value == "fatherland_front")

due = datetime.date.today() + datetime.timedelta(days=30)
body = CreateTask(
    title="Tuyên truyền Luật Mặt trận Tổ quốc Việt Nam sửa đổi (ứng dụng Python)",
    description="Tổ chức hội nghị phổ biến đến cán bộ chủ chốt các thôn.",
    expected_result="Biên bản hội nghị; 100% thôn được phổ biến",
    lead_organisation_id=lead.id,
    assignee_id=assignee,
    due_on=due,
)
key = str(uuid.uuid4())
created = tasks_create.sync_detailed(client=head, body=body, idempotency_key=key)
check(created.status_code == 201, f"create: {created.status_code} {created.content!r}")
again = tasks_create.sync_detailed(client=head, body=body, idempotency_key=key)
check(again.parsed.id == created.parsed.id, "a retry with the same Idempotency-Key creates once")
task_id = created.parsed.id

assigned = tasks_transition.sync_detailed(
    task_id, client=head, body=Transition(action=Move.ASSIGN), if_match='"1"'
)
check(assigned.status_code == 200, f"assign: {assigned.status_code} {assigned.content!r}")
check(assigned.parsed.status.value == "assigned", f"assigned: {assigned.parsed.status}")

report = tasks_add_report.sync_detailed(
    task_id,
    client=staff,
    body=NewReport(text="Đã tổ chức hội nghị tại 5 thôn.", progress=60),
)
check(report.status_code == 201, f"report: {report.status_code} {report.content!r}")
task = tasks_get.sync(task_id, client=head)
check(task.progress == 60, f"the report moved the progress: {task.progress}")

feed = changes_list.sync(client=head, resource_type="task", limit=1000)
mine = [c for c in feed.items if c.resource_id == task_id]
check(len(mine) >= 2, f"the feed has the task's create and updates: {mine}")

# A problem, in Vietnamese, with its codes.
bad = head.get_httpx_client().post(
    "/api/v1/tasks",
    json={"title": "Nhiệm vụ có hạn sai", "due_on": "31/12/2026"},
    headers={"accept-language": "vi"},
)
problem = bad.json()
check(bad.status_code == 422 and problem["code"] == "validation_failed", f"{bad.status_code} {problem}")
check(problem["errors"][0]["code"] == "invalid_date", f"{problem}")
check("ví dụ" in problem["errors"][0]["message"], f"{problem}")
print(f"python client flow: task {task_id} created, assigned, reported on, in the feed")

# The province summary as a spreadsheet, opened by an independent reader (openpyxl): the title
# names the period, the headers are frozen, the figures are the JSON's, as numbers.
import io

import openpyxl

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
http = head.get_httpx_client()
summary = http.get("/api/v1/reports/summary", params={"from": "2016-01-01", "to": "2016-12-31"}).json()
sheet = http.get(
    "/api/v1/reports/summary",
    params={"from": "2016-01-01", "to": "2016-12-31"},
    headers={"accept": XLSX},
)
check(sheet.status_code == 200 and sheet.headers["content-type"] == XLSX, f"xlsx: {sheet.status_code}")
book = openpyxl.load_workbook(io.BytesIO(sheet.content))
ws = book["Tổng hợp theo khối"]
check(ws.freeze_panes == "A5", f"frozen headers: {ws.freeze_panes}")
check("01/01/2016" in ws["A2"].value and "31/12/2016" in ws["A2"].value, f"period: {ws['A2'].value}")
check(ws["A4"].value == "Khối" and ws["G4"].value == "Tổng số nhiệm vụ", "Vietnamese headers")
bloc = summary["blocs"][0]
check(ws["A5"].value == bloc["name"], f"{ws['A5'].value} != {bloc['name']}")
check(ws["G5"].value == bloc["tasks"]["by_standing"]["total"], f"total: {ws['G5'].value}")
check(isinstance(ws["C5"].value, (int, float)), "counts are numbers")
check(ws["K5"].number_format == "0.0%", f"rates are percents: {ws['K5'].number_format}")
print(f"python client flow: the summary workbook has {ws.max_row - 4} rows, figures as in the JSON")

# The other three reports open the same way, each with its title, frozen headers and a figure
# of its JSON answer.
def workbook(path, params):
    res = http.get(path, params=params, headers={"accept": XLSX})
    check(res.status_code == 200 and res.headers["content-type"] == XLSX, f"{path}: {res.status_code}")
    return openpyxl.load_workbook(io.BytesIO(res.content)), http.get(path, params=params).json()


book, review = workbook("/api/v1/reports/monthly-review", {"month": "2016-02"})
ws = book["Theo tiểu ban"]
check(ws.freeze_panes == "A5" and ws["A1"].value == "Kết quả thực hiện nhiệm vụ tháng 02/2016", ws["A1"].value)
total = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "Tổng cộng")
check(ws.cell(total, 2).value == review["totals"]["completed_on_time"], "the review's total")
book, report = workbook("/api/v1/reports/campaigns", {"as_of": "2016-06-30"})
ws = book["Cuộc vận động"]
check(ws.freeze_panes == "A5" and "30/06/2016" in ws["A2"].value, ws["A2"].value)
first = report["items"][0]
check(ws["A5"].value == first["name"] and ws["G5"].value == first["targets"][0]["target_value"], "campaign row")
book, periods = workbook("/api/v1/reports/supervisions", {"from": "2016-01-01", "to": "2016-12-31"})
ws = book["Giám sát"]
check(ws.freeze_panes == "A5" and ws["A5"].value == periods["items"][0]["period"], ws["A5"].value)
check(sum(ws.cell(r, 4).value for r in range(5, 5 + len(periods["items"])))
      == sum(p["held"] for p in periods["items"]), "supervisions held")
print("python client flow: the four report workbooks open in openpyxl with the JSON's figures")

