// First start of a store: the built-in accelerator catalog and the operator's first admin.
#pragma once

#include <string>

#include "control/auth.h"
#include "control/registry.h"

namespace suanli::control {

struct BootstrapResult {
  bool created_admin = false;
  std::string admin_token;  // the secret, when one was created here (printed once)
  int catalog_added = 0;
};

// Adds built-in catalog entries missing from the store. When the store has no users, creates
// the operator organisation "platform" and its admin user "admin" with a token: the value of
// `bootstrap_token` when not empty (SUANLI_BOOTSTRAP_TOKEN), otherwise a new random one.
Result<BootstrapResult> Bootstrap(Registry& reg, const TokenHasher& hasher,
                                  const std::string& bootstrap_token);

// Creates a token for `user_id` with the given secret (used by bootstrap and the demo).
Status CreateTokenWithSecret(Txn& txn, const TokenHasher& hasher, const std::string& user_id,
                             const std::string& name, const std::string& secret);

}  // namespace suanli::control
