-- One task with its coordinators, in one statement.
SELECT *, (SELECT string_agg(c.organisation_id::text, ',') FROM task_coordinators c WHERE c.task_id = tasks.id) AS coordinators
  FROM tasks WHERE id = :task AND bloc_id = :bloc;
