#include "control/bootstrap.h"

#include "catalog/catalog.h"

namespace suanli::control {

using namespace domain;

Status CreateTokenWithSecret(Txn& txn, const TokenHasher& hasher, const std::string& user_id,
                             const std::string& name, const std::string& secret) {
  auto user = txn.Get<User>(user_id);
  if (!user) return NotFound("no user " + user_id);
  Token t;
  t.id = txn.ids().NewId("tok");
  t.org_id = user->org_id;
  t.user_id = user_id;
  t.name = name;
  t.prefix = secret.substr(0, std::min<size_t>(secret.size(), 8));
  t.hash = hasher.Hash(secret);
  txn.Put(std::move(t), "create");
  return OkStatus();
}

Result<BootstrapResult> Bootstrap(Registry& reg, const TokenHasher& hasher,
                                  const std::string& bootstrap_token) {
  BootstrapResult result;
  Actor system{"system", "", "bootstrap"};
  Status s = reg.WriteSync(system, [&](Txn& txn) -> Status {
    for (const auto& builtin : catalog::BuiltinAccelerators()) {
      if (txn.Get<Accelerator>(builtin.id)) continue;
      txn.Put(builtin, "create");
      ++result.catalog_added;
    }
    if (!reg.TableOf<User>().empty()) return OkStatus();
    Org org;
    std::string org_id = txn.OrgIdByName("platform");
    if (org_id.empty()) {
      org.id = txn.ids().NewId("org");
      org.org_id = org.id;
      org.name = "platform";
      org.display_name = "平台运营方";
      org.roles = {"operator"};
      org_id = txn.Put(org, "create")->id;
    }
    User admin;
    admin.id = txn.ids().NewId("user");
    admin.org_id = org_id;
    admin.name = "admin";
    admin.display_name = "Platform administrator";
    admin.role = "admin";
    txn.Put(admin, "create");
    result.created_admin = true;
    result.admin_token = bootstrap_token.empty() ? NewTokenSecret(txn.ids()) : bootstrap_token;
    return CreateTokenWithSecret(txn, hasher, admin.id, "bootstrap", result.admin_token);
  });
  if (!s.ok()) return Err(s);
  if (!bootstrap_token.empty()) result.admin_token.clear();  // the caller knows it already
  return result;
}

}  // namespace suanli::control
