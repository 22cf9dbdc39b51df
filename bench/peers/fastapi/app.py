"""The task list and detail reads of khoi, as a FastAPI + asyncpg app written the way their
documentation recommends: a pool opened in the lifespan, a dependency that checks the JWT,
Pydantic-free dict answers serialised by FastAPI. Only for bench/compare.py.

Run: DATABASE_URL=postgres://… KHOI_JWT_SECRET=… uvicorn app:app --workers 2 --port 18082
"""
import os
import uuid
from contextlib import asynccontextmanager

import asyncpg
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Query

DSN = os.environ["DATABASE_URL"]
SECRET = os.environ["KHOI_JWT_SECRET"]
ISSUER = os.environ.get("KHOI_JWT_ISSUER", "khoi")
AUDIENCE = os.environ.get("KHOI_JWT_AUDIENCE", "khoi-api")
COLUMNS = """id, bloc_id, title, description, expected_result, directive_id, campaign_id,
lead_organisation_id, sub_committee_id, assignee_id, created_by, start_date, due_date, priority,
key_task, progress, status, completed_on, duplicate_of, meeting_decision_id, version, created_at,
updated_at"""


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(DSN, min_size=2, max_size=int(os.environ.get("POOL", "16")))
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


def claims(authorization: str = Header()) -> dict:
    if not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401)
    try:
        return jwt.decode(authorization[7:], SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.PyJWTError:
        raise HTTPException(status_code=401)


# Each task's coordinators in the task's own statement, as khoi reads them.
COORDINATORS = "(SELECT string_agg(c.organisation_id::text, ',') FROM task_coordinators c WHERE c.task_id = tasks.id) AS coordinators"


def with_coordinators(rows):
    out = []
    for r in rows:
        d = dict(r)
        raw = d.pop("coordinators")
        d["coordinating_organisation_ids"] = sorted(raw.split(",")) if raw else []
        out.append(d)
    return out


@app.get("/api/v1/tasks")
async def list_tasks(status: str, limit: int = Query(50, ge=1, le=200), c: dict = Depends(claims)):
    async with app.state.pool.acquire() as con:
        rows = await con.fetch(
            f"SELECT {COLUMNS}, {COORDINATORS} FROM tasks WHERE bloc_id = $1 AND status = $2 ORDER BY id LIMIT $3",
            uuid.UUID(c["bloc_id"]), status, limit + 1)
    items = with_coordinators(rows[:limit])
    return {"items": items, "next_cursor": str(rows[limit - 1]["id"]) if len(rows) > limit else None}


@app.get("/api/v1/tasks/{task_id}")
async def get_task(task_id: uuid.UUID, c: dict = Depends(claims)):
    async with app.state.pool.acquire() as con:
        rows = await con.fetch(f"SELECT {COLUMNS}, {COORDINATORS} FROM tasks WHERE id = $1 AND bloc_id = $2", task_id, uuid.UUID(c["bloc_id"]))
    if not rows:
        raise HTTPException(status_code=404)
    return with_coordinators(rows)[0]
