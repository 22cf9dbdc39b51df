-- The list page's read, as the service runs it: one page of a status with each task's
-- coordinators in the same statement.
SELECT *, (SELECT string_agg(c.organisation_id::text, ',') FROM task_coordinators c WHERE c.task_id = tasks.id) AS coordinators
  FROM tasks WHERE bloc_id = :bloc AND status = 'in_progress' ORDER BY id LIMIT 51;
