// Authentication: API tokens are 256-bit random secrets ("sl_" + base32). Only a keyed
// BLAKE2b-256 hash of each is stored, under a server key kept in the store's meta table, so a
// stolen database does not yield usable tokens and a check costs about a microsecond (slow
// password hashing is for low-entropy human passwords, not for these).
#pragma once

#include <optional>
#include <memory>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <string>

#include "control/registry.h"

namespace suanli::control {

// The authenticated caller.
struct Principal {
  std::string token_id;
  std::string user_id;
  std::string user_name;
  std::string org_id;
  std::string user_role;          // admin | member | viewer
  std::set<std::string> org_roles;  // supplier, buyer, operator, regulator
  std::string pool_scope;         // token limited to this pool, "" when not

  bool operator_ = false;   // cached org_roles membership: checked on every record of a list
  bool regulator_ = false;

  void SetOrgRoles(std::set<std::string> roles) {
    org_roles = std::move(roles);
    operator_ = Is("operator");
    regulator_ = Is("regulator");
  }
  bool Is(const std::string& org_role) const { return org_roles.count(org_role) > 0; }
  bool IsOperator() const { return operator_; }
  bool IsRegulator() const { return regulator_; }
  bool CanWrite() const { return user_role != "viewer"; }
  // Money and programme changes need an unscoped token: a pool-scoped (agent) token acts only
  // on its pool's nodes.
  bool CanWriteMoney() const { return CanWrite() && pool_scope.empty(); }
  bool IsAdmin() const { return user_role == "admin"; }
  Actor ToActor(std::string request_id) const { return {user_id, org_id, std::move(request_id)}; }
};

class TokenHasher {
 public:
  // Loads the server key from the store's meta table, creating it on first use.
  static Result<TokenHasher> Open(store::Store& store, IdSource& ids);
  explicit TokenHasher(std::string key) : key_(std::move(key)) {}
  // Hex of keyed BLAKE2b-256 of `secret`.
  std::string Hash(std::string_view secret) const;

 private:
  std::string key_;  // 32 raw bytes
};

// A new token secret: "sl_" followed by 52 base32 characters (256 bits).
std::string NewTokenSecret(IdSource& ids);

// Resolves bearer secrets to principals, caching them per token hash until any org, user or
// token changes (Registry::auth_generation). Thread-safe.
class Authenticator {
 public:
  Authenticator(const Registry* reg, const TokenHasher* hasher) : reg_(reg), hasher_(hasher) {}
  Result<std::shared_ptr<const Principal>> Authenticate(std::string_view secret, Timestamp now);

 private:
  struct Cached {
    uint64_t generation;
    Timestamp expires_at;
    std::shared_ptr<const Principal> principal;
  };
  const Registry* reg_;
  const TokenHasher* hasher_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Cached> cache_;
};

// Resolves an "Authorization: Bearer ..." secret to a principal: Unauthenticated when the
// token is unknown, expired, or its user is disabled or gone.
Result<Principal> Authenticate(const Registry& reg, const TokenHasher& hasher,
                               std::string_view secret, Timestamp now);

}  // namespace suanli::control
