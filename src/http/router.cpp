#include "http/router.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace emporium::http {

namespace {

constexpr std::size_t kMethodCount = static_cast<std::size_t>(Method::kOther) + 1;
constexpr std::array<Method, 7> kRoutableMethods = {Method::kGet,   Method::kHead,   Method::kPost,   Method::kPut,
                                                    Method::kPatch, Method::kDelete, Method::kOptions};

[[noreturn]] void Die(const std::string& message) {
  // A bad route table is a programming error found at start-up, in every build type (assert would
  // vanish under NDEBUG).
  std::fprintf(stderr, "emporium: %s\n", message.c_str());
  std::abort();
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

bool IsParamSegment(std::string_view s) { return s.size() >= 3 && s.front() == '{' && s.back() == '}'; }

// Splits "/a/b/" into {"a", "b"}; one trailing slash is tolerated, other empty segments are kept so
// that "//a" does not silently match "/a".
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

struct Router::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> literals;
  std::unique_ptr<Node> param;
  std::array<const Route*, kMethodCount> routes{};
  /// Parameter names of each route in path order (routes sharing a node may name them differently).
  std::array<std::vector<std::string>, kMethodCount> param_names;

  bool terminal() const {
    for (const auto* r : routes) {
      if (r) return true;
    }
    return false;
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::Add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') Die("route pattern must start with '/': " + pattern);
  if (method == Method::kOther) Die("route method must be a known method: " + pattern);
  if (!options.roles.empty()) options.authenticated = true;

  Node* node = root_.get();
  std::vector<std::string> names;
  for (auto segment : Split(pattern)) {
    if (segment.empty()) Die("route pattern has an empty segment: " + pattern);
    if (IsParamSegment(segment)) {
      names.emplace_back(segment.substr(1, segment.size() - 2));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else {
      if (segment.find_first_of("{}") != std::string_view::npos) Die("malformed route segment in " + pattern);
      auto& child = node->literals[std::string(segment)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  const auto index = static_cast<std::size_t>(method);
  if (node->routes[index]) {
    Die("duplicate route " + std::string(MethodName(method)) + " " + pattern + " (already registered as " +
        node->routes[index]->pattern + ")");
  }
  routes_.push_back(std::make_unique<Route>(Route{method, std::move(pattern), std::move(handler), std::move(options)}));
  node->routes[index] = routes_.back().get();
  node->param_names[index] = std::move(names);
}

RouteMatch Router::Match(Method method, std::string_view path) const {
  const auto segments = Split(path);
  std::vector<std::string_view> values;  // parameter values along the current branch
  const Route* found = nullptr;
  const std::vector<std::string>* found_names = nullptr;
  std::vector<std::string_view> found_values;
  std::array<bool, kMethodCount> allowed{};

  // Depth-first, literal child before the parameter child, so "/products/new" beats
  // "/products/{id}" while "/products/new/reviews" still reaches "/products/{id}/reviews" when the
  // literal branch dead-ends. The first node holding a route for the method wins; the methods of
  // every node matching the path feed the 405 Allow list.
  auto walk = [&](auto& self, const Node& node, std::size_t depth) -> bool {
    if (depth == segments.size()) {
      if (!node.terminal()) return false;
      auto pick = [&](Method m) {
        const auto i = static_cast<std::size_t>(m);
        if (!node.routes[i]) return false;
        found = node.routes[i];
        found_names = &node.param_names[i];
        found_values = values;
        return true;
      };
      if (pick(method) || (method == Method::kHead && pick(Method::kGet))) return true;
      for (std::size_t i = 0; i < kMethodCount; ++i) allowed[i] = allowed[i] || node.routes[i] != nullptr;
      if (node.routes[static_cast<std::size_t>(Method::kGet)]) allowed[static_cast<std::size_t>(Method::kHead)] = true;
      return false;
    }
    const std::string_view segment = segments[depth];
    if (segment.empty()) return false;
    if (auto it = node.literals.find(segment); it != node.literals.end()) {
      if (self(self, *it->second, depth + 1)) return true;
    }
    if (node.param) {
      values.push_back(segment);
      if (self(self, *node.param, depth + 1)) return true;
      values.pop_back();
    }
    return false;
  };

  RouteMatch match;
  if (walk(walk, *root_, 0)) {
    match.route = found;
    match.params.reserve(found_values.size());
    for (std::size_t i = 0; i < found_values.size(); ++i) {
      match.params.emplace_back((*found_names)[i], std::string(found_values[i]));
    }
    return match;
  }
  for (auto m : kRoutableMethods) {
    if (allowed[static_cast<std::size_t>(m)]) match.allowed.push_back(m);
  }
  return match;
}

}  // namespace emporium::http
