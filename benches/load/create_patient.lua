-- wrk script: POST /v1/patients with a unique MRN per request (thread id + counter).
local n = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function request()
  n = n + 1
  local body = string.format(
    '{"mrn":"L%d-%d","first_name":"Load","last_name":"Test","birth_date":"1980-01-01","sex":"F"}',
    tid, n)
  return wrk.format("POST", "/v1/patients", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  }, body)
end
