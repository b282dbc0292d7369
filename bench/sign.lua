-- wrk script: every request is a new signer from a new client address.
-- The service trusts one proxy hop (TRUSTED_PROXY_HOPS=1), so X-Forwarded-For is the client,
-- as it would be behind a reverse proxy. Addresses come from 198.18.0.0/15, the range set
-- aside for benchmarks; they are only header text, nothing is sent to them.
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  path = args[2]
  run = args[3] or "r"
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local n = tid * 1000000 + counter
  local body = string.format(
    '{"name":"Nguyễn Thị Bench %d","email":"b-%s-%d@example.org","country":"VN","city":"Huế",' ..
    '"consent":true,"form_token":"%s"}', n, run, n, token)
  wrk.headers["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + math.floor(n / 65536) % 2, math.floor(n / 256) % 256, n % 256)
  return wrk.format(nil, path, nil, body)
end

server_errors = 0
limited = 0
function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if status == 429 then limited = limited + 1 end
end

function done(summary, latency, requests)
  local s5, s429 = 0, 0
  for _, thread in ipairs(threads) do
    s5 = s5 + thread:get("server_errors")
    s429 = s429 + thread:get("limited")
  end
  io.write(string.format("JSON {\"requests\":%d,\"non2xx\":%d,\"errors\":%d,\"duration_us\":%d," ..
    "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"status_5xx\":%d,\"status_429\":%d}\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, s5, s429))
end
