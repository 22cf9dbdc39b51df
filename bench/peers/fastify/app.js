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

// Each task's coordinators in the task's own statement, as khoi reads them.
const COORDINATORS = `(SELECT string_agg(c.organisation_id::text, ',') FROM task_coordinators c WHERE c.task_id = tasks.id) AS coordinators`

function withCoordinators (rows) {
  return rows.map(({ coordinators, ...r }) => ({ ...r, coordinating_organisation_ids: coordinators ? coordinators.split(',').sort() : [] }))
}

fastify.get('/api/v1/tasks', async (request) => {
  const limit = Math.min(Math.max(Number(request.query.limit || 50), 1), 200)
  // Named: prepared once per connection and reused, as khoi's and asyncpg's are.
  const { rows } = await pool.query({
    name: 'list',
    text: `SELECT ${COLUMNS}, ${COORDINATORS} FROM tasks WHERE bloc_id = $1 AND status = $2 ORDER BY id LIMIT $3`,
    values: [request.user.bloc_id, request.query.status, limit + 1]
  })
  const items = withCoordinators(rows.slice(0, limit))
  return { items, next_cursor: rows.length > limit ? rows[limit - 1].id : null }
})

fastify.get('/api/v1/tasks/:id', async (request, reply) => {
  const { rows } = await pool.query({
    name: 'detail',
    text: `SELECT ${COLUMNS}, ${COORDINATORS} FROM tasks WHERE id = $1 AND bloc_id = $2`,
    values: [request.params.id, request.user.bloc_id]
  })
  if (rows.length === 0) return reply.code(404).send({ status: 404 })
  return withCoordinators(rows)[0]
})

fastify.listen({ port: Number(process.env.PORT || 18083), host: '127.0.0.1' })
