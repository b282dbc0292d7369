-- wrk script for GET endpoints: many clients (X-Forwarded-For), like readers reloading a count.
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end
function init(args) counter = 0 end
function request()
  counter = counter + 1
  local n = tid * 1000000 + counter
  wrk.headers["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + math.floor(n / 65536) % 2, math.floor(n / 256) % 256, n % 256)
  return wrk.format("GET")
end
function done(summary, latency, requests)
  io.write(string.format("JSON {\"requests\":%d,\"non2xx\":%d,\"errors\":%d,\"duration_us\":%d," ..
    "\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
