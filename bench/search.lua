-- GET <PATH>?<QUERY>&<a random filter that keeps every task>: each request a different page key,
-- so most answers are built from the database, not served from the page cache (512 kept).
-- PATH is /api/v1/tasks and QUERY limit=50&q=<Q> by default, and the filter is due_to=<a day of
-- 2030-2084> (every task of the bench is due before 2018); VARY=updated_since uses
-- updated_since=<a day of 1950-2005> instead (every task was written later), for /api/v1/me/tasks.
math.randomseed(os.time())
local q = os.getenv("Q") or "d%C3%A2n"
local path = os.getenv("PATH_") or "/api/v1/tasks"
local query = os.getenv("QUERY") or ("limit=50&q=" .. q)
local vary = os.getenv("VARY") or "due_to"
request = function()
  local v
  if vary == "updated_since" then
    v = "updated_since=" .. os.date("!%Y-%m-%d", -631152000 + math.random(0, 20000) * 86400) .. "T00:00:00Z"
  else
    v = "due_to=" .. os.date("%Y-%m-%d", os.time({year = 2030, month = 1, day = 1, hour = 12}) + math.random(0, 20000) * 86400)
  end
  return wrk.format("GET", path .. "?" .. query .. "&" .. v)
end
