// The flow the provincial portal runs against khoi, through a client typed from the spec
// (openapi-typescript types, openapi-fetch calls): sign in, create and assign a task, report on
// it as its assignee, read the feed, and read a problem in Vietnamese. Run by .ci/clients
// against SQLite and PostgreSQL; `tsc` fails on a spec change that breaks it (a renamed field,
// a changed type, a removed operation), the run on a change in behaviour.
import createClient from "openapi-fetch";
import type { paths, components } from "./generated/schema.js";

const base = process.env.KHOI_BASE!;
const password = process.env.KHOI_DEMO_PASSWORD!;

function check(cond: unknown, what: string): asserts cond {
  if (!cond) {
    console.error(`typescript client flow: ${what}`);
    process.exit(1);
  }
}

async function signIn(username: string) {
  const anonymous = createClient<paths>({ baseUrl: base });
  const { data, response } = await anonymous.POST("/api/v1/auth/login", {
    body: { username, password },
  });
  check(data, `sign-in of ${username}: ${response.status}`);
  return createClient<paths>({
    baseUrl: base,
    headers: { Authorization: `Bearer ${data.access_token}` },
  });
}

const head = await signIn("demo.head");
const staff = await signIn("demo.staff");

const me = await staff.GET("/api/v1/me");
check(me.data?.person, `/me names the person: ${JSON.stringify(me.data)}`);
const assignee = me.data.person.staff_id;

const orgs = await head.GET("/api/v1/organisations", { params: { query: { limit: 50 } } });
// Lists also answer CSV, so the data is typed as either: a JSON page is an object.
const page = orgs.data;
check(typeof page === "object", "the organisations as JSON");
const lead = page.items.find((o) => o.kind === "fatherland_front");
check(lead, "the bloc has its Fatherland Front committee");

const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
const body: components["schemas"]["CreateTask"] = {
  title: "Vận động hội viên tham gia bảo hiểm y tế (ứng dụng cổng thông tin)",
  description: "Phối hợp rà soát hộ chưa tham gia bảo hiểm y tế tại các thôn.",
  expected_result: "Danh sách hộ được vận động; tỷ lệ tham gia tăng 5%",
  lead_organisation_id: lead.id,
  assignee_id: assignee,
  due_on: due,
};
const key = crypto.randomUUID();
const created = await head.POST("/api/v1/tasks", {
  body,
  params: { header: { "Idempotency-Key": key } },
});
check(created.response.status === 201 && created.data, `create: ${created.response.status}`);
const again = await head.POST("/api/v1/tasks", {
  body,
  params: { header: { "Idempotency-Key": key } },
});
check(again.data?.id === created.data.id, "a retry with the same Idempotency-Key creates once");
const id = created.data.id;

const assigned = await head.POST("/api/v1/tasks/{id}/transitions", {
  params: { path: { id }, header: { "If-Match": '"1"' } },
  body: { action: "assign" },
});
check(assigned.data?.status === "assigned", `assign: ${assigned.response.status}`);

const report = await staff.POST("/api/v1/tasks/{id}/reports", {
  params: { path: { id } },
  body: { text: "Đã rà soát 3 thôn, vận động được 42 hộ.", progress: 40 },
});
check(report.response.status === 201, `report: ${report.response.status}`);
const task = await head.GET("/api/v1/tasks/{id}", { params: { path: { id } } });
check(task.data?.progress === 40, `the report moved the progress: ${task.data?.progress}`);

// A conditional GET: the tag of the answer gets 304 while nothing changed.
const tag = task.response.headers.get("etag");
const unchanged = await fetch(`${base}/api/v1/tasks/${id}`, {
  headers: { Authorization: `Bearer ${(await signInToken("demo.head"))}`, "If-None-Match": tag ?? "" },
});
check(unchanged.status === 304, `If-None-Match: ${unchanged.status}`);

const feed = await head.GET("/api/v1/changes", {
  params: { query: { resource_type: "task", limit: 1000 } },
});
check(typeof feed.data === "object", "the feed as JSON");
const mine = feed.data.items.filter((c) => c.resource_id === id);
check(mine.length >= 2, `the feed has the task's create and updates: ${mine.length}`);

// A problem, in Vietnamese, with its codes.
const bad = await head.POST("/api/v1/tasks", {
  body: { title: "Nhiệm vụ có hạn sai", due_on: "31/12/2026" },
  headers: { "Accept-Language": "vi" },
});
const problem = bad.error as components["schemas"]["Problem"] | undefined;
check(bad.response.status === 422 && problem?.code === "validation_failed", JSON.stringify(problem));
check(problem.errors?.[0]?.code === "invalid_date", JSON.stringify(problem));
check(problem.errors[0].message.includes("ví dụ"), JSON.stringify(problem));
console.log(`typescript client flow: task ${id} created, assigned, reported on, in the feed`);

async function signInToken(username: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
