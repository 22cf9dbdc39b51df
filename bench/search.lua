-- GET /api/v1/tasks?limit=50&q=<Q>&due_to=<a random day of 2030-2084>: every task of the bench
-- is due before 2018, so the filter keeps them all while making each request a different page
-- key; most answers are built from the database, not served from the page cache (512 kept).
math.randomseed(os.time())
local q = os.getenv("Q") or "d%C3%A2n"
request = function()
  local t = os.time({year = 2030, month = 1, day = 1, hour = 12}) + math.random(0, 20000) * 86400
  return wrk.format("GET", "/api/v1/tasks?limit=50&q=" .. q .. "&due_to=" .. os.date("%Y-%m-%d", t))
end
