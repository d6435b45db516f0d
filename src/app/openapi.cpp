#include "app/openapi.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <mutex>

#include "core/json_text.hpp"
#include "core/resources.hpp"

namespace emporium::app {

namespace {

namespace json = boost::json;

// YAML plain scalars carry no type; resolve them as YAML 1.2's core schema does. Quoted scalars
// (tag "!") stay strings.
json::value Scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return json::value(s);
  if (s == "true" || s == "True") return true;
  if (s == "false" || s == "False") return false;
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && p == s.data() + s.size()) {
    return i;
  }
  double d = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d); ec == std::errc() && p == s.data() + s.size()) {
    return d;
  }
  return json::value(s);
}

json::value Convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : node) o[kv.first.as<std::string>()] = Convert(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& item : node) a.push_back(Convert(item));
      return a;
    }
    case YAML::NodeType::Scalar: return Scalar(node);
    default: return nullptr;
  }
}

}  // namespace

Result<std::string> OpenApiJson() {
  static std::once_flag once;
  static Result<std::string> cached = Error::Internal("not loaded");
  std::call_once(once, [] {
    auto yaml = core::Resource("docs/openapi.yaml");
    if (!yaml) {
      cached = Error::Internal("docs/openapi.yaml is not embedded");
      return;
    }
    try {
      cached = core::JsonText(Convert(YAML::Load(std::string(*yaml))));
    } catch (const YAML::Exception& e) {
      cached = Error::Internal(std::string("docs/openapi.yaml is malformed: ") + e.what());
    }
  });
  return cached;
}

}  // namespace emporium::app
