#pragma once
// JSON read from the network. Boost.JSON 1.81 reads a number beyond double's range (`1e999`) as
// infinity and writes it back as the token `Infinity`, which is not JSON: an event relayed to other
// clients, or a field stored and served again, would break every reader. Such a number is refused
// as malformed input here, once, for every parser of client input (HTTP bodies, /ws frames,
// Socket.IO packets).

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <string_view>

namespace emporium::core {

/// boost::json::parse with its default limits (depth 32), and `ec` set (to
/// boost::json::error::exponent_overflow) when any number is not finite.
boost::json::value ParseClientJson(std::string_view text, boost::system::error_code& ec);

/// True when every number in `v` is finite (integers always are).
bool AllNumbersFinite(const boost::json::value& v);

}  // namespace emporium::core
