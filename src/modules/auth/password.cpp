#include "modules/auth/password.hpp"

#include <sodium.h>

#include <algorithm>

#include "core/crypto.hpp"
#include "core/resources.hpp"
#include "http/validation.hpp"

namespace emporium::auth {

namespace {

constexpr std::string_view kCommonPasswordsResource = "resources/common_passwords.txt";

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

std::unordered_set<std::string> ParseList(std::string_view text) {
  std::unordered_set<std::string> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    out.insert(AsciiLower(line));
  }
  return out;
}

}  // namespace

PasswordPolicy::PasswordPolicy() : PasswordPolicy(core::Resource(kCommonPasswordsResource).value_or("")) {}

PasswordPolicy::PasswordPolicy(std::string_view common_list) : common_(ParseList(common_list)) {}

bool PasswordPolicy::IsCommon(std::string_view password) const { return common_.contains(AsciiLower(password)); }

std::optional<std::string> PasswordPolicy::Problem(std::string_view password, std::string_view email) const {
  const auto length = http::Utf8Length(password);
  if (!length) return "must be valid UTF-8";
  if (*length < kMinLength) return "must be at least " + std::to_string(kMinLength) + " characters";
  if (*length > kMaxLength) return "must be at most " + std::to_string(kMaxLength) + " characters";
  if (password.find('\0') != std::string_view::npos) return "must not contain NUL characters";
  if (IsCommon(password)) return "is too common; choose a less predictable password";
  if (!email.empty() && AsciiLower(password) == AsciiLower(email)) return "must not be your e-mail address";
  return std::nullopt;
}

Status PasswordPolicy::Check(std::string_view password, std::string_view email, std::string_view field) const {
  if (auto problem = Problem(password, email)) return Error::Invalid(std::string(field), *problem);
  return OkStatus();
}

// Holds one of the hasher's permits for the duration of a hash or verify.
class PasswordHasher::Permit {
 public:
  explicit Permit(std::counting_semaphore<1024>& s) : s_(s) { s_.acquire(); }
  ~Permit() { s_.release(); }
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;

 private:
  std::counting_semaphore<1024>& s_;
};

PasswordHasher::PasswordHasher(std::uint64_t ops_limit, std::size_t mem_limit, int concurrency)
    : ops_limit_(std::max<std::uint64_t>(ops_limit, crypto_pwhash_OPSLIMIT_MIN)),
      mem_limit_(std::max<std::size_t>(mem_limit, crypto_pwhash_MEMLIMIT_MIN)),
      permits_(std::clamp(concurrency, 1, 1024)) {
  core::InitCrypto();  // idempotent; libsodium must be initialised before the first hash
  // A real hash with the same limits, so a dummy verify costs what a real one does.
  auto dummy = Hash(core::RandomToken(24));
  if (dummy) dummy_hash_ = std::move(dummy).value();
}

Result<std::string> PasswordHasher::Hash(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  Permit permit(permits_);
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops_limit_, mem_limit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Unavailable("The server is busy; try again.");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view encoded, std::string_view password) {
  // crypto_pwhash_str_verify reads a NUL-terminated string of at most STRBYTES.
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string hash(encoded);
  Permit permit(permits_);
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::VerifyDummy(std::string_view password) {
  if (dummy_hash_.empty()) return;
  [[maybe_unused]] const bool ignored = Verify(dummy_hash_, password);
}

bool PasswordHasher::NeedsRehash(std::string_view encoded) const {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string hash(encoded);
  return crypto_pwhash_str_needs_rehash(hash.c_str(), ops_limit_, mem_limit_) != 0;
}

}  // namespace emporium::auth
