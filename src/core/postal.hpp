#pragma once
// Rules for postal addresses shared by saved addresses (auth), checkout (cart) and shipping
// (pricing): country codes and phone numbers.

#include <string_view>

namespace emporium::core {

/// True iff `code` is an officially assigned ISO 3166-1 alpha-2 code, upper-case ("DE", "US").
bool IsCountryCode(std::string_view code);

/// "+4915112345678": a '+', then 6–19 digits, the first not 0 (E.164 allows at most 15; local
/// extensions make real-world numbers a little longer).
bool IsPhoneNumber(std::string_view s);

}  // namespace emporium::core
