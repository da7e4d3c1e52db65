-- wrk script: GET /v1/codesets/icd10cm/search over a rotating list of queries a billing
-- assistant types (abbreviations, lay terms, typos, prefixes), each on one of 336 dates of
-- service of 2025. The server keeps answers per date class (the dates between two release
-- dates of the tables share answers), so this is type-ahead traffic as a coding office sends
-- it. With NO_CACHE=1 every request says `Cache-Control: no-cache`, so the server searches
-- each time: that measures the search itself over HTTP. Needs TOKEN in the environment.
local queries = {
  "diab%20mel%20typ%202", "chest%20pain", "hypertension", "CAD", "heart%20attack",
  "hypertenson", "pnuemonia", "anaemia", "kidney%20stones", "E11", "e11.6",
  "T2DM%20with%20neuropathy", "asthma", "low%20back%20pain", "uti", "copd%20exacerbation",
  "migraine", "otitis%20media", "gerd", "anxiety", "depression", "BPH", "OSA",
  "fracture%20wrist", "pregnancy", "obesity", "hyperlipidemia", "atrial%20fib",
  "sore%20throat", "rash", "headache", "cough",
}
local i = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7)
end

local headers = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }
if os.getenv("NO_CACHE") == "1" then
  headers["Cache-Control"] = "no-cache"
end

function request()
  i = i + 1
  local k = i + (offset or 0)
  local q = queries[(k % #queries) + 1]
  local n = math.floor(k / #queries) % 336
  local date = string.format("2025-%02d-%02d", math.floor(n / 28) + 1, (n % 28) + 1)
  return wrk.format("GET", "/v1/codesets/icd10cm/search?q=" .. q .. "&limit=20&date=" .. date, headers)
end
