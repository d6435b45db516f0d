-- wrk report: prints the figures docs/benchmarks.md records, one "key: value" per line.
-- Latencies come from wrk's own histogram (microseconds), so they match its --latency table.
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
