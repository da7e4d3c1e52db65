-- wrk script: POST /v1/specimens (accessioning) for one patient and ordering provider.
-- Needs TOKEN (a lab or admin token), PATIENT and PROVIDER (ids) in the environment.
local body = string.format(
  '{"patient_id":"%s","ordering_provider_id":"%s","specimen_type":"SER","container":"SST",' ..
  '"volume":5,"volume_unit":"mL","collected_at":"2026-01-02T08:30:00Z","collected_by":"load",' ..
  '"tests":[{"code":"80053"},{"code":"85025"}]}',
  os.getenv("PATIENT"), os.getenv("PROVIDER"))

function request()
  return wrk.format("POST", "/v1/specimens", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  }, body)
end
