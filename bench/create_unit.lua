-- POST /api/v1/units with a different name each time (a write with no overlap detection); TOKEN
-- comes from the environment. Each wrk thread names its units apart (unit names are unique).
local counter = 0
local token = os.getenv("TOKEN")
local threads = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  local body = '{"name":"Thôn Đoàn Kết ' .. os.time() .. '-' .. tid .. '-' .. counter .. '","kind":"village"}'
  return wrk.format(nil, nil, nil, body)
end
