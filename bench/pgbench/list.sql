-- The list page's two reads, as the service runs them: one page of a status, then its coordinators.
SELECT * FROM tasks WHERE bloc_id = :bloc AND status = 'in_progress' ORDER BY id LIMIT 51;
SELECT task_id, organisation_id FROM task_coordinators WHERE task_id IN
  (SELECT id FROM tasks WHERE bloc_id = :bloc AND status = 'in_progress' ORDER BY id LIMIT 50);
