-- One wrk script for every benchmark, driven by environment variables that bench/common.py sets:
--   BENCH_METHOD  GET (default) or POST
--   BENCH_AUTH    a bearer token, sent as "Authorization: Bearer <token>" (empty: no header)
--   BENCH_BODY    the request body; every "{id}" becomes a unique "<BENCH_RUN>-<thread>-<counter>"
--   BENCH_RUN     a per-run prefix, so that ids stay unique across runs against the same database
-- done() prints one line "WRK_JSON {...}" with the counts and latency percentiles (microseconds).
local method = os.getenv("BENCH_METHOD") or "GET"
local auth = os.getenv("BENCH_AUTH") or ""
local body = os.getenv("BENCH_BODY") or ""
local run = os.getenv("BENCH_RUN") or "run"
local thread_count = 0
local counter = 0
local fixed = nil

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end

function init(args)
  if auth ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. auth
  end
  if body ~= "" then
    wrk.headers["Content-Type"] = "application/json"
  end
  if not body:find("{id}", 1, true) then
    fixed = wrk.format(method, nil, nil, body ~= "" and body or nil)
  end
end

function request()
  if fixed then
    return fixed
  end
  counter = counter + 1
  local id = run .. "-" .. tid .. "-" .. counter
  return wrk.format(method, nil, nil, (body:gsub("{id}", id)))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
