#pragma once
// The signed-in user's own account: profile (/me), deletion, and the address book.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "db/database.hpp"
#include "modules/auth/address_repository.hpp"
#include "modules/auth/model.hpp"
#include "modules/auth/token_repository.hpp"
#include "modules/auth/user_repository.hpp"

namespace emporium::auth {

/// A partial profile update; an absent member is left unchanged. For birthday and phone an inner
/// nullopt clears the value. Values are already validated.
struct ProfilePatch {
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::optional<std::string>> birthday;
  std::optional<std::optional<std::string>> phone;
};

/// Address fields as sent; absent members are left unchanged by an update. For line2, phone and
/// coordinates an inner nullopt clears the value. Values are already validated (country code,
/// coordinate ranges, lat and lng together).
struct AddressFields {
  std::optional<std::string> name;
  std::optional<std::string> line1;
  std::optional<std::optional<std::string>> line2;
  std::optional<std::string> city;
  std::optional<std::string> postal_code;
  std::optional<std::string> country;
  std::optional<std::optional<std::string>> phone;
  std::optional<std::optional<std::pair<double, double>>> coordinates;  ///< (lat, lng)
  std::optional<bool> is_default;
};

class AccountService {
 public:
  static constexpr int kMaxAddresses = 50;

  AccountService(db::Database& db, const core::Clock& clock, const UserRepository& users, const TokenRepository& tokens,
                 const AddressRepository& addresses)
      : db_(db), clock_(clock), users_(users), tokens_(tokens), addresses_(addresses) {}

  /// The caller's profile. `jti` identifies the access token, to reuse the row authentication
  /// loaded on this thread (see CurrentUser); otherwise one SELECT.
  Result<UserView> GetMe(std::int64_t user_id, std::string_view jti);
  Result<UserView> UpdateMe(std::int64_t user_id, const ProfilePatch& patch);
  /// Deactivates and anonymises the account, deletes its addresses and revokes every token.
  Status DeleteMe(std::int64_t user_id);

  Result<std::vector<Address>> ListAddresses(std::int64_t user_id);
  /// The first address becomes the default; is_default true clears the others. kConflict past
  /// kMaxAddresses. Precondition: name, line1, city, postal_code and country are set.
  Result<Address> CreateAddress(std::int64_t user_id, const AddressFields& fields);
  /// kNotFound for an address of another user.
  Result<Address> UpdateAddress(std::int64_t user_id, std::int64_t address_id, const AddressFields& fields);
  /// Deleting the default promotes the most recent remaining address. kNotFound for another user's.
  Status DeleteAddress(std::int64_t user_id, std::int64_t address_id);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const UserRepository& users_;
  const TokenRepository& tokens_;
  const AddressRepository& addresses_;
};

}  // namespace emporium::auth
