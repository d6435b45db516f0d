#include "app/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace emporium::app {
namespace {

TEST(OpenApi, EmbeddedYamlConvertsToJson) {
  auto doc = OpenApiJson();
  ASSERT_TRUE(doc) << doc.error().message;
  auto v = boost::json::parse(*doc).as_object();
  EXPECT_EQ(v["openapi"].as_string(), "3.1.0");
  EXPECT_EQ(v["info"].as_object()["version"].as_string(), "0.1.0") << "quoted scalars stay strings";
  auto& paths = v["paths"].as_object();
  EXPECT_TRUE(paths.contains("/api/v1/auth/login"));
  EXPECT_TRUE(paths["/healthz"].as_object().contains("get"));
  auto& limit = v["components"].as_object()["parameters"].as_object()["Limit"].as_object();
  EXPECT_EQ(limit["schema"].as_object()["maximum"].as_int64(), 100) << "plain numbers become JSON numbers";
}

}  // namespace
}  // namespace emporium::app
