// The task list and detail reads of khoi, as a Fastify + pg app written the way their
// documentation recommends: @fastify/jwt verifying every request in an onRequest hook, a pg Pool,
// JSON answers. Only for bench/compare.py.
// Run: DATABASE_URL=postgres://… KHOI_JWT_SECRET=… PORT=18083 node app.js
'use strict'
const fastify = require('fastify')({ logger: false })
const { Pool } = require('pg')

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL || 16) })
const COLUMNS = `id, bloc_id, title, description, expected_result, directive_id, campaign_id,
lead_organisation_id, sub_committee_id, assignee_id, created_by, start_date, due_date, priority,
key_task, progress, status, completed_on, duplicate_of, meeting_decision_id, version, created_at,
updated_at`

fastify.register(require('@fastify/jwt'), {
  secret: process.env.KHOI_JWT_SECRET,
  verify: { algorithms: ['HS256'], allowedIss: process.env.KHOI_JWT_ISSUER || 'khoi', allowedAud: process.env.KHOI_JWT_AUDIENCE || 'khoi-api' }
})
fastify.addHook('onRequest', async (request, reply) => {
  try {
    await request.jwtVerify()
  } catch (err) {
    reply.code(401).send({ status: 401 })
  }
})

async function withCoordinators (rows) {
  const ids = rows.map(r => r.id)
  const { rows: coords } = await pool.query('SELECT task_id, organisation_id FROM task_coordinators WHERE task_id = ANY($1::uuid[])', [ids])
  const by = new Map()
  for (const c of coords) {
    if (!by.has(c.task_id)) by.set(c.task_id, [])
    by.get(c.task_id).push(c.organisation_id)
  }
  return rows.map(r => ({ ...r, coordinating_organisation_ids: by.get(r.id) || [] }))
}

fastify.get('/api/v1/tasks', async (request) => {
  const limit = Math.min(Math.max(Number(request.query.limit || 50), 1), 200)
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM tasks WHERE bloc_id = $1 AND status = $2 ORDER BY id LIMIT $3`,
    [request.user.bloc_id, request.query.status, limit + 1])
  const items = await withCoordinators(rows.slice(0, limit))
  return { items, next_cursor: rows.length > limit ? rows[limit - 1].id : null }
})

fastify.get('/api/v1/tasks/:id', async (request, reply) => {
  const { rows } = await pool.query(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND bloc_id = $2`, [request.params.id, request.user.bloc_id])
  if (rows.length === 0) return reply.code(404).send({ status: 404 })
  return (await withCoordinators(rows))[0]
})

fastify.listen({ port: Number(process.env.PORT || 18083), host: '127.0.0.1' })
