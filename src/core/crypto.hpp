#pragma once
// Small cryptographic helpers over libsodium and OpenSSL. Thread-safe after InitCrypto().

#include <cstddef>
#include <string>
#include <string_view>

namespace emporium::core {

/// Initialises libsodium; call once before threads start. Aborts if the library cannot start.
void InitCrypto();

/// `bytes` random bytes from the OS CSPRNG, base64url without padding.
std::string RandomToken(std::size_t bytes = 32);

/// Lower-case hex SHA-256 of the input (used to store tokens hashed).
std::string Sha256Hex(std::string_view data);

/// Lower-case hex HMAC-SHA256.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

/// Constant-time equality of two strings (false if lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string Base64UrlEncode(std::string_view data);

}  // namespace emporium::core
