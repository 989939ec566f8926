-- wrk script: POST a new matter with a unique Idempotency-Key on every request.
local counter = 0
local thread_id = 0
local token = os.getenv("ZHILI_TOKEN")
local unit = os.getenv("ZHILI_UNIT")

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"category":"public_facility","description":"小区%d号楼门口路灯不亮，晚上出行不便","intake_unit":%s,' ..
    '"parties":[{"name":"王五","phone":"13812345678"}]}', counter, unit)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Token " .. token,
    ["Idempotency-Key"] = string.format("wrk-%s-%d-%d", os.time(), tid, counter),
  }
  return wrk.format("POST", "/api/v1/matters/", headers, body)
end

function done(summary, latency, requests)
  local codes = summary.errors.status
  io.write(string.format("requests %d, non-2xx %d, socket errors %d\n", summary.requests, codes,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
