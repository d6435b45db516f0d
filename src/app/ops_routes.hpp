#pragma once
// Operational routes: /healthz (liveness), /readyz (database reachable, schema current), /metrics
// (Prometheus text), /api/v1/openapi.json.

#include "db/database.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace emporium::app {

void RegisterOpsRoutes(http::Router& router, db::Database& db, http::Metrics& metrics);

}  // namespace emporium::app
