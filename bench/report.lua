-- wrk report: prints the figures docs/benchmarks.md records, one "key: value" per line.
-- Latencies come from wrk's own histogram (microseconds), so they match its --latency table.
--
-- WRK_PATH_PATTERN=/api/v1/products/demo-{n} WRK_PATH_MAX=100000: every request picks {n} at random
-- in 1..MAX (a shop's long tail rather than one hot URL); the URL given to wrk is then ignored.
local pattern = os.getenv("WRK_PATH_PATTERN")
local max_n = tonumber(os.getenv("WRK_PATH_MAX") or "0")
if pattern and pattern ~= "" and max_n > 0 then
  init = function(args)
    math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  end
  request = function()
    local path = pattern:gsub("{n}", tostring(math.random(1, max_n)))
    return wrk.format(nil, path)
  end
end
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format("requests: %d\n", summary.requests))
  io.write(string.format("requests_per_sec: %.1f\n", summary.requests / seconds))
  io.write(string.format("latency_p50_ms: %.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("latency_p90_ms: %.3f\n", latency:percentile(90) / 1000))
  io.write(string.format("latency_p99_ms: %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("latency_max_ms: %.3f\n", latency.max / 1000))
  io.write(string.format("non_2xx_3xx: %d\n", errors.status))
  io.write(string.format("socket_errors: %d\n", errors.connect + errors.read + errors.write + errors.timeout))
end
