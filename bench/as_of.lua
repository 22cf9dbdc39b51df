-- GET /api/v1/tasks?as_of=<a random day of 2016–2017>[&EXTRA]: a different day per request, so
-- most answers are built, not served from the page cache (512 answers, 730 days).
math.randomseed(os.time())
local extra = os.getenv("EXTRA") or ""
request = function()
  local t = os.time({year = 2016, month = 1, day = 1, hour = 12}) + math.random(0, 729) * 86400
  local path = "/api/v1/tasks?limit=50&as_of=" .. os.date("%Y-%m-%d", t) .. extra
  return wrk.format("GET", path)
end
