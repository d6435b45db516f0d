#include "core/json_input.hpp"

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <vector>

namespace emporium::core {

bool AllNumbersFinite(const boost::json::value& v) {
  // Iterative: the parser bounds the depth, but a value built elsewhere need not be.
  std::vector<const boost::json::value*> pending{&v};
  while (!pending.empty()) {
    const boost::json::value* at = pending.back();
    pending.pop_back();
    switch (at->kind()) {
      case boost::json::kind::double_:
        if (!std::isfinite(at->get_double())) return false;
        break;
      case boost::json::kind::array:
        for (const auto& item : at->get_array()) pending.push_back(&item);
        break;
      case boost::json::kind::object:
        for (const auto& member : at->get_object()) pending.push_back(&member.value());
        break;
      default:
        break;
    }
  }
  return true;
}

boost::json::value ParseClientJson(std::string_view text, boost::system::error_code& ec) {
  boost::json::value v = boost::json::parse(text, ec);
  if (!ec && !AllNumbersFinite(v)) {
    ec = boost::json::error::exponent_overflow;
    return nullptr;
  }
  return v;
}

}  // namespace emporium::core
