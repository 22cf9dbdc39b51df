-- One task and its coordinators.
SELECT * FROM tasks WHERE id = :task AND bloc_id = :bloc;
SELECT task_id, organisation_id FROM task_coordinators WHERE task_id = :task;
