-- wrk script for scripts/bench/http: reads over keep-alive (a ranking and the indicators of a
-- jurisdiction, alternately), answered from the projections on the store pool.
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/api/v1/rankings/110100")
  end
  return wrk.format("GET", "/api/v1/jurisdictions/110100")
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT kind=reads requests=%d errors_status=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
