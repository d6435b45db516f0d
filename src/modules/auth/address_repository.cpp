#include "modules/auth/address_repository.hpp"

#include <soci/soci.h>

namespace emporium::auth {

namespace {

constexpr const char* kSelectByUser =
    "SELECT id, user_id, name, line1, line2, city, postal_code, country, phone, lat, lng, is_default, created_at, "
    "updated_at FROM auth_addresses WHERE user_id = :user_id ORDER BY is_default DESC, id DESC";

constexpr const char* kSelectOne =
    "SELECT id, user_id, name, line1, line2, city, postal_code, country, phone, lat, lng, is_default, created_at, "
    "updated_at FROM auth_addresses WHERE id = :id AND user_id = :user_id";

constexpr const char* kCountByUser = "SELECT COUNT(*) FROM auth_addresses WHERE user_id = :user_id";

constexpr const char* kInsert =
    "INSERT INTO auth_addresses (user_id, name, line1, line2, city, postal_code, country, phone, lat, lng, "
    "is_default, created_at, updated_at) VALUES (:user_id, :name, :line1, :line2, :city, :postal_code, :country, "
    ":phone, :lat, :lng, :is_default, :created_at, :updated_at) RETURNING id";

constexpr const char* kUpdate =
    "UPDATE auth_addresses SET name = :name, line1 = :line1, line2 = :line2, city = :city, "
    "postal_code = :postal_code, country = :country, phone = :phone, lat = :lat, lng = :lng, "
    "is_default = :is_default, updated_at = :updated_at WHERE id = :id AND user_id = :user_id";

constexpr const char* kClearDefault =
    "UPDATE auth_addresses SET is_default = 0 WHERE user_id = :user_id AND id <> :keep_id AND is_default = 1";

constexpr const char* kSetDefault =
    "UPDATE auth_addresses SET is_default = 1, updated_at = :now WHERE id = :id AND user_id = :user_id";

constexpr const char* kMostRecentExcept =
    "SELECT id FROM auth_addresses WHERE user_id = :user_id AND id <> :except_id ORDER BY id DESC LIMIT 1";

constexpr const char* kDelete = "DELETE FROM auth_addresses WHERE id = :id AND user_id = :user_id";

constexpr const char* kDeleteAllForUser = "DELETE FROM auth_addresses WHERE user_id = :user_id";

struct AddressRow {
  long long id = 0, user_id = 0, created_at = 0, updated_at = 0;
  std::string name, line1, line2, city, postal_code, country, phone;
  soci::indicator line2_ind = soci::i_null, phone_ind = soci::i_null, lat_ind = soci::i_null, lng_ind = soci::i_null;
  double lat = 0, lng = 0;
  int is_default = 0;

  void Exchange(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(line1));
    st.exchange(soci::into(line2, line2_ind));
    st.exchange(soci::into(city));
    st.exchange(soci::into(postal_code));
    st.exchange(soci::into(country));
    st.exchange(soci::into(phone, phone_ind));
    st.exchange(soci::into(lat, lat_ind));
    st.exchange(soci::into(lng, lng_ind));
    st.exchange(soci::into(is_default));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
  }

  Address ToAddress() const {
    Address a;
    a.id = id;
    a.user_id = user_id;
    a.name = name;
    a.line1 = line1;
    if (line2_ind == soci::i_ok) a.line2 = line2;
    a.city = city;
    a.postal_code = postal_code;
    a.country = country;
    if (phone_ind == soci::i_ok) a.phone = phone;
    if (lat_ind == soci::i_ok && lng_ind == soci::i_ok) {
      a.lat = lat;
      a.lng = lng;
    }
    a.is_default = is_default != 0;
    a.created_at = created_at;
    a.updated_at = updated_at;
    return a;
  }
};

// Bound values of an INSERT or UPDATE, kept alive until the statement has run.
struct AddressParams {
  explicit AddressParams(const Address& a)
      : id(a.id),
        user_id(a.user_id),
        created_at(a.created_at),
        updated_at(a.updated_at),
        line2(a.line2.value_or("")),
        phone(a.phone.value_or("")),
        line2_ind(a.line2 ? soci::i_ok : soci::i_null),
        phone_ind(a.phone ? soci::i_ok : soci::i_null),
        coords_ind(a.lat && a.lng ? soci::i_ok : soci::i_null),
        lat(a.lat.value_or(0)),
        lng(a.lng.value_or(0)),
        is_default(a.is_default ? 1 : 0) {}
  long long id, user_id, created_at, updated_at;
  std::string line2, phone;
  soci::indicator line2_ind, phone_ind, coords_ind;
  double lat, lng;
  int is_default;
};

}  // namespace

std::vector<Address> AddressRepository::ListByUser(db::Tx& tx, std::int64_t user_id) const {
  long long uid = user_id;
  AddressRow row;
  soci::statement st(tx.sql);
  row.Exchange(st);
  st.exchange(soci::use(uid, "user_id"));
  st.alloc();
  st.prepare(kSelectByUser);
  st.define_and_bind();
  st.execute();
  std::vector<Address> out;
  while (st.fetch()) out.push_back(row.ToAddress());
  return out;
}

std::optional<Address> AddressRepository::Find(db::Tx& tx, std::int64_t user_id, std::int64_t id) const {
  long long uid = user_id, key = id;
  AddressRow row;
  soci::statement st(tx.sql);
  row.Exchange(st);
  st.exchange(soci::use(key, "id"));
  st.exchange(soci::use(uid, "user_id"));
  st.alloc();
  st.prepare(kSelectOne);
  st.define_and_bind();
  st.execute(true);
  if (!st.got_data()) return std::nullopt;
  return row.ToAddress();
}

int AddressRepository::CountByUser(db::Tx& tx, std::int64_t user_id) const {
  long long uid = user_id;
  long long count = 0;
  tx.sql << kCountByUser, soci::use(uid, "user_id"), soci::into(count);
  return static_cast<int>(count);
}

std::int64_t AddressRepository::Insert(db::Tx& tx, const Address& a) const {
  AddressParams p(a);
  long long id = 0;
  // lat and lng share one indicator: the service guarantees both or neither.
  soci::indicator lat_ind = p.coords_ind, lng_ind = p.coords_ind;
  tx.sql << kInsert, soci::use(p.user_id, "user_id"), soci::use(a.name, "name"), soci::use(a.line1, "line1"),
      soci::use(p.line2, p.line2_ind, "line2"), soci::use(a.city, "city"), soci::use(a.postal_code, "postal_code"),
      soci::use(a.country, "country"), soci::use(p.phone, p.phone_ind, "phone"), soci::use(p.lat, lat_ind, "lat"),
      soci::use(p.lng, lng_ind, "lng"), soci::use(p.is_default, "is_default"), soci::use(p.created_at, "created_at"),
      soci::use(p.updated_at, "updated_at"), soci::into(id);
  return id;
}

void AddressRepository::Update(db::Tx& tx, const Address& a) const {
  AddressParams p(a);
  soci::indicator lat_ind = p.coords_ind, lng_ind = p.coords_ind;
  tx.sql << kUpdate, soci::use(a.name, "name"), soci::use(a.line1, "line1"), soci::use(p.line2, p.line2_ind, "line2"),
      soci::use(a.city, "city"), soci::use(a.postal_code, "postal_code"), soci::use(a.country, "country"),
      soci::use(p.phone, p.phone_ind, "phone"), soci::use(p.lat, lat_ind, "lat"), soci::use(p.lng, lng_ind, "lng"),
      soci::use(p.is_default, "is_default"), soci::use(p.updated_at, "updated_at"), soci::use(p.id, "id"),
      soci::use(p.user_id, "user_id");
}

void AddressRepository::ClearDefaultExcept(db::Tx& tx, std::int64_t user_id, std::int64_t keep_id) const {
  long long uid = user_id, keep = keep_id;
  tx.sql << kClearDefault, soci::use(uid, "user_id"), soci::use(keep, "keep_id");
}

void AddressRepository::SetDefault(db::Tx& tx, std::int64_t user_id, std::int64_t id, std::int64_t now) const {
  long long uid = user_id, key = id, ts = now;
  tx.sql << kSetDefault, soci::use(ts, "now"), soci::use(key, "id"), soci::use(uid, "user_id");
}

std::optional<std::int64_t> AddressRepository::MostRecentExcept(db::Tx& tx, std::int64_t user_id,
                                                                std::int64_t except_id) const {
  long long uid = user_id, except = except_id, id = 0;
  tx.sql << kMostRecentExcept, soci::use(uid, "user_id"), soci::use(except, "except_id"), soci::into(id);
  if (!tx.sql.got_data()) return std::nullopt;
  return id;
}

bool AddressRepository::Delete(db::Tx& tx, std::int64_t user_id, std::int64_t id) const {
  long long uid = user_id, key = id;
  soci::statement st = (tx.sql.prepare << kDelete, soci::use(key, "id"), soci::use(uid, "user_id"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

void AddressRepository::DeleteAllForUser(db::Tx& tx, std::int64_t user_id) const {
  long long uid = user_id;
  tx.sql << kDeleteAllForUser, soci::use(uid, "user_id");
}

}  // namespace emporium::auth
