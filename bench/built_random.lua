-- GET /api/v1/tasks?status=in_progress&limit=50&due_to=<a random far day> with a random bloc's
-- token per request (TOKENS: a file, one per line): every answer built from the database (every
-- task of the bench is due before 2018, so the filter keeps them all, and each request is a new
-- page key), spread over the blocs as the province reads.
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
math.randomseed(os.time())
request = function()
  wrk.headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  local day = os.date("%Y-%m-%d", os.time({year = 2030, month = 1, day = 1, hour = 12}) + math.random(0, 20000) * 86400)
  return wrk.format("GET", "/api/v1/tasks?status=in_progress&limit=50&due_to=" .. day)
end
