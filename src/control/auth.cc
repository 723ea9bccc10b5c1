#include "control/auth.h"

#include <sodium.h>

namespace suanli::control {

Result<TokenHasher> TokenHasher::Open(store::Store& store, IdSource& ids) {
  if (sodium_init() < 0) return Err(Internal("libsodium failed to initialise"));
  auto key = store.GetMeta("token_hash_key");
  if (!key) return Err(key.error());
  if (key->has_value()) {
    std::string hex = **key;
    std::string raw(32, '\0');
    size_t len = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), hex.data(),
                       hex.size(), nullptr, &len, nullptr) != 0 || len != 32)
      return Err(DataLoss("stored token_hash_key is malformed"));
    return TokenHasher(raw);
  }
  std::string secret = ids.NewSecret(32);  // base32 text; use its bytes as key material
  std::string raw(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(raw.data()), raw.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (Status s = store.SetMeta("token_hash_key", hex); !s.ok()) return Err(s);
  return TokenHasher(raw);
}

std::string TokenHasher::Hash(std::string_view secret) const {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), reinterpret_cast<const unsigned char*>(key_.data()),
                     key_.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

std::string NewTokenSecret(IdSource& ids) { return "sl_" + ids.NewSecret(32); }

Result<Principal> Authenticate(const Registry& reg, const TokenHasher& hasher,
                               std::string_view secret, Timestamp now) {
  if (secret.empty()) return Err(Unauthenticated("missing bearer token"));
  if (secret.size() > 200) return Err(Unauthenticated("invalid token"));
  std::string id = reg.TokenIdByHash(hasher.Hash(secret));
  if (id.empty()) return Err(Unauthenticated("invalid token"));
  auto tok = reg.Get<domain::Token>(id);
  if (!tok) return Err(Unauthenticated("invalid token"));
  if (tok->obj->expires_at.ms != 0 && tok->obj->expires_at <= now)
    return Err(Unauthenticated("token expired"));
  auto user = reg.Get<domain::User>(tok->obj->user_id);
  if (!user || user->obj->disabled) return Err(Unauthenticated("user disabled or removed"));
  auto org = reg.Get<domain::Org>(user->obj->org_id);
  if (!org) return Err(Unauthenticated("organisation removed"));
  Principal p;
  p.token_id = id;
  p.user_id = user->obj->id;
  p.user_name = user->obj->name;
  p.org_id = org->obj->id;
  p.user_role = user->obj->role;
  p.SetOrgRoles({org->obj->roles.begin(), org->obj->roles.end()});
  p.pool_scope = tok->obj->pool_id;
  return p;
}

Result<std::shared_ptr<const Principal>> Authenticator::Authenticate(std::string_view secret,
                                                                      Timestamp now) {
  if (secret.empty()) return Err(Unauthenticated("missing bearer token"));
  if (secret.size() > 200) return Err(Unauthenticated("invalid token"));
  std::string hash = hasher_->Hash(secret);
  const uint64_t gen = reg_->auth_generation();
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.generation == gen) {
      if (it->second.expires_at.ms != 0 && it->second.expires_at <= now)
        return Err(Unauthenticated("token expired"));
      return it->second.principal;
    }
  }
  auto p = control::Authenticate(*reg_, *hasher_, secret, now);
  if (!p) return Err(p.error());
  auto tok = reg_->Get<domain::Token>(p->token_id);
  auto shared = std::make_shared<const Principal>(std::move(*p));
  std::unique_lock lock(mu_);
  if (cache_.size() > 100000) cache_.clear();
  cache_[hash] = Cached{gen, tok ? tok->obj->expires_at : Timestamp{}, shared};
  return shared;
}

}  // namespace suanli::control
