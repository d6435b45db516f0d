#pragma once
// Opaque keyset-pagination cursors shared by every list endpoint: "items after this id" encoded
// as base64url, so clients treat it as a token and the encoding can change without breaking them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emporium::core {

/// The cursor for "the page after the item with id `last_id`".
std::string EncodeIdCursor(std::int64_t last_id);

/// The id inside a cursor made by EncodeIdCursor; nullopt for anything else (→ 422 at the edge).
std::optional<std::int64_t> DecodeIdCursor(std::string_view cursor);

}  // namespace emporium::core
