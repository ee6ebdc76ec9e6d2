-- wrk script for scripts/bench/http: durable commands over keep-alive. Each request records a new
-- member (record_member) in org 1 with its own member id and command id, so every request is a
-- distinct command that the server decides, appends and fsyncs before answering.
-- wrk runs one Lua state per thread; setup() numbers the threads so ids never collide.
local counter = 0
local threads = 0
local base = tonumber(os.getenv("BENCH_ID_BASE") or "1000000")

function setup(thread)
  threads = threads + 1
  thread:set("thread_index", threads)
end

function init(args)
  counter = 0
end

request = function()
  counter = counter + 1
  local id = base + thread_index * 100000000 + counter
  local body = string.format(
    '{"command_id":"bench-%d","member":%d,"org":1,"affiliation":"party","standing":"formal","status":"hidden",' ..
    '"member_name":"bench","relationship_held_at":"","admitted_on":"2000-01-01","recorded_on":"2016-07-03"}', id, id)
  return wrk.format("POST", "/api/v1/commands/record_member", nil, body)
end

-- No response() callback: with one, wrk copies every response's headers and body into Lua
-- tables, which cost the client CPU it shares with the server on two cores. wrk counts replies
-- with a status of 400 or more itself (summary.errors.status, the RESULT's errors_status).
done = function(summary, latency, requests)
  io.write(string.format("RESULT kind=commands requests=%d errors_status=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
