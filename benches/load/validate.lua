-- wrk script: POST /v1/encounters/{id}/validate over the encounters benches/load/validate_setup.py
-- made (3 diagnoses, 4 lines each; the patient has prior claims, so the history checks
-- claim.duplicate_service and frequency.exceeded query claim_services on every request).
-- Non-2xx answers show in wrk's summary (and in run.sh's table). No response() callback: it
-- would make wrk read every body and slow the client down.
-- ENCOUNTERS: the ids, comma-joined; TOKEN: a bearer token with encounter coding rights.
local ids = {}
for id in string.gmatch(os.getenv("ENCOUNTERS") or "", "[^,]+") do
  ids[#ids + 1] = id
end
if #ids == 0 then
  error("set ENCOUNTERS to the encounter ids (benches/load/validate_setup.py prints them)")
end

local n = 0
local headers = {
  ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or ""),
}

function request()
  n = n + 1
  local id = ids[(n % #ids) + 1]
  return wrk.format("POST", "/v1/encounters/" .. id .. "/validate", headers)
end

