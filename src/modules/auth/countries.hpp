#pragma once
// ISO 3166-1 alpha-2 country codes (the officially assigned ones).

#include <string_view>

namespace emporium::auth {

/// True iff `code` is an officially assigned ISO 3166-1 alpha-2 code, upper-case ("DE", "US").
bool IsCountryCode(std::string_view code);

}  // namespace emporium::auth
