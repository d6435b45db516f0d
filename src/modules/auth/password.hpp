#pragma once
// Password rules and argon2id hashing (libsodium crypto_pwhash_str).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/error.hpp"

namespace emporium::auth {

/// The rules a new password must meet: 10–128 code points, not in the bundled list of common
/// passwords (resources/common_passwords.txt, compared case-insensitively), not the e-mail address.
/// Immutable after construction; thread-safe.
class PasswordPolicy {
 public:
  static constexpr std::size_t kMinLength = 10;
  static constexpr std::size_t kMaxLength = 128;

  /// Loads the embedded common-password list.
  PasswordPolicy();
  /// A policy with an explicit list (one password per line, '#' comments), for tests.
  explicit PasswordPolicy(std::string_view common_list);

  /// nullopt when acceptable, else the message for the `password` field ("must be at least 10
  /// characters", "is too common", "must not be your e-mail address", ...).
  std::optional<std::string> Problem(std::string_view password, std::string_view email) const;
  /// Problem() as a 422 Error on `field`.
  Status Check(std::string_view password, std::string_view email, std::string_view field = "password") const;

  bool IsCommon(std::string_view password) const;
  std::size_t common_count() const { return common_.size(); }

 private:
  std::unordered_set<std::string> common_;
};

/// argon2id hashing with a cap on concurrent hashes: each one takes `mem_limit` bytes of RAM and
/// tens of milliseconds of CPU, so at most `concurrency` run at once and the others wait. Blocking:
/// call from worker threads only. Thread-safe.
class PasswordHasher {
 public:
  PasswordHasher(std::uint64_t ops_limit, std::size_t mem_limit, int concurrency);
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

  /// The encoded hash ("$argon2id$v=19$m=...") or kUnavailable when memory runs out.
  Result<std::string> Hash(std::string_view password);
  /// True iff `encoded` is a valid hash of `password`. A malformed or empty hash never verifies.
  bool Verify(std::string_view encoded, std::string_view password);
  /// Spends the same time as a Verify against a real hash and returns false: used when the
  /// account does not exist, so response time does not reveal which e-mail addresses are registered.
  void VerifyDummy(std::string_view password);
  /// True when `encoded` was made with other limits than this hasher's (re-hash after login).
  bool NeedsRehash(std::string_view encoded) const;

 private:
  class Permit;
  std::uint64_t ops_limit_;
  std::size_t mem_limit_;
  std::counting_semaphore<1024> permits_;
  std::string dummy_hash_;
};

}  // namespace emporium::auth
