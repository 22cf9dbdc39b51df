-- POST /api/v1/tasks with a different title each time; TOKEN, SC and ORG come from the environment.
local counter = 0
local token = os.getenv("TOKEN")
local sc = os.getenv("SC")
local org = os.getenv("ORG")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
request = function()
  counter = counter + 1
  local body = '{"title":"Kiểm tra tiến độ thực hiện kế hoạch tuyên truyền đợt ' .. counter ..
    '","description":"Đôn đốc các tiểu ban báo cáo kết quả.","expected_result":"Báo cáo tiến độ",' ..
    '"sub_committee_id":"' .. sc .. '","lead_organisation_id":"' .. org .. '","priority":"normal"}'
  return wrk.format(nil, nil, nil, body)
end
