#include "control/rules.h"

#include <algorithm>
#include <cctype>

namespace suanli::control {

using namespace domain;

namespace {

Status Deny(const std::string& msg) { return PermissionDenied(msg); }

// Common gate for every change: viewers read only; a regulator changes nothing operational.
Status RequireWriter(const Principal& p) {
  if (!p.CanWrite()) return Deny("viewers cannot change anything");
  if (p.IsRegulator() && !p.IsOperator())
    return Deny("the regulator reads everything and changes nothing operational");
  return OkStatus();
}

// `p` may change resources owned by `org_id` that need `role` (supplier, buyer), or is the
// operator.
Status RequireOwner(const Principal& p, const std::string& org_id, const char* role) {
  if (!p.pool_scope.empty()) return Deny("a pool-scoped token acts only on its pool's nodes");
  SUANLI_RETURN_IF_ERROR(RequireWriter(p));
  if (p.IsOperator()) return OkStatus();
  if (p.org_id != org_id) return Deny("this belongs to another organisation");
  if (!p.Is(role)) return Deny(std::string("your organisation is not a ") + role);
  return OkStatus();
}

Status RequireOperatorAdmin(const Principal& p) {
  if (!p.pool_scope.empty()) return Deny("a pool-scoped token acts only on its pool's nodes");
  if (!p.IsOperator() || !p.IsAdmin()) return Deny("only the operator's admins may do this");
  return OkStatus();
}

bool SeesAll(const Principal& p) { return p.IsOperator() || p.IsRegulator(); }

template <class T, class Pred>
bool AnyOf(const Txn& txn, Pred pred) {
  for (const auto& [id, e] : txn.registry().TableOf<T>()) {
    auto obj = txn.Get<T>(id);  // sees staged changes and deletions
    if (obj && pred(*obj)) return true;
  }
  return false;
}

Status CheckModelsExist(const Txn& txn, const std::vector<std::string>& models,
                        const std::string& field) {
  for (size_t i = 0; i < models.size(); ++i)
    if (!txn.Get<Accelerator>(models[i]))
      return InvalidArgument("unknown accelerator model " + models[i] + " (see /api/v1/accelerators)",
                             field + "[" + std::to_string(i) + "]");
  return OkStatus();
}

// Devices of `model` (or CPU cores when model is empty) in a pool, and whether any node holds a
// unit of the offer's shape.
struct PoolSupply {
  int64_t units = 0;
  bool shape_fits = false;
};

PoolSupply SupplyOf(const Txn& txn, const Offer& o) {
  PoolSupply s;
  for (const auto& [id, e] : txn.registry().TableOf<Node>()) {
    auto staged = txn.Get<Node>(id);  // sees this write's own changes and deletions
    if (!staged) continue;
    const Node& n = *staged;
    if (n.pool_id != o.pool_id) continue;
    if (o.accelerator_model.empty()) {
      s.units += n.cpu_cores;
      if (n.cpu_cores >= o.cpu_cores && n.memory_gib >= o.memory_gib) s.shape_fits = true;
      continue;
    }
    for (const auto& a : n.accelerators) {
      if (a.model != o.accelerator_model) continue;
      s.units += a.count;
      if (a.count >= o.accelerator_count && n.cpu_cores >= o.cpu_cores &&
          n.memory_gib >= o.memory_gib)
        s.shape_fits = true;
    }
  }
  return s;
}

// An offer never sells more than its pool has: the active offers of one pool and model together
// stay within the pool's devices (or cores).
Status CheckOfferSupply(const Txn& txn, const Offer& o) {
  if (o.state != "active") return OkStatus();
  PoolSupply supply = SupplyOf(txn, o);
  const bool cpu = o.accelerator_model.empty();
  if (!supply.shape_fits)
    return InvalidArgument(cpu ? "no node in the pool has that many CPU cores and memory"
                               : "no node in the pool holds " +
                                     std::to_string(o.accelerator_count) + " × " +
                                     o.accelerator_model + " with that CPU and memory",
                           cpu ? "cpu_cores" : "accelerator_model");
  auto per_unit = [cpu](const Offer& x) -> int64_t {
    return cpu ? x.cpu_cores : x.accelerator_count;
  };
  int64_t sold = o.quantity * per_unit(o);
  for (const auto& [id, e] : txn.registry().TableOf<Offer>()) {
    auto other = txn.Get<Offer>(id);
    if (!other || other->id == o.id || other->pool_id != o.pool_id || other->state != "active")
      continue;
    if (other->accelerator_model != o.accelerator_model) continue;
    sold += other->quantity * per_unit(*other);
  }
  if (sold > supply.units)
    return ResourceExhausted("active offers would sell " + std::to_string(sold) + " " +
                                 (cpu ? "cores" : "devices") + "; the pool has " +
                                 std::to_string(supply.units),
                             "quantity");
  return OkStatus();
}

bool IsSlug(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

// ---------------- reads ----------------

bool CanRead(const Principal&, const Org&) { return true; }
bool CanRead(const Principal& p, const User& u) { return SeesAll(p) || u.org_id == p.org_id; }
bool CanRead(const Principal& p, const Token& t) {
  return p.IsOperator() || t.user_id == p.user_id || (p.IsAdmin() && t.org_id == p.org_id);
}
bool CanRead(const Principal&, const Site&) { return true; }
bool CanRead(const Principal&, const Pool&) { return true; }
bool CanRead(const Principal& p, const Node& n) { return SeesAll(p) || n.org_id == p.org_id; }
bool CanRead(const Principal&, const Accelerator&) { return true; }
bool CanRead(const Principal&, const Offer&) { return true; }
bool CanRead(const Principal& p, const Job& j) {
  // The buyer, the operator, the regulator, and the supplier whose pool runs it.
  return SeesAll(p) || j.org_id == p.org_id ||
         (!j.supplier_org_id.empty() && j.supplier_org_id == p.org_id);
}

// ---------------- orgs ----------------

Status PrepareCreate(Txn& txn, const Principal& p, Org& o) {
  SUANLI_RETURN_IF_ERROR(RequireOperatorAdmin(p));
  SUANLI_RETURN_IF_ERROR(ValidateOrg(o));
  if (!txn.OrgIdByName(o.name).empty()) return AlreadyExists("an organisation has that name", "name");
  o.id = txn.ids().NewId("org");
  o.org_id = o.id;
  return OkStatus();
}

Status PrepareUpdate(Txn& txn, const Principal& p, const Org& before, Org& after) {
  if (!p.pool_scope.empty()) return Deny("a pool-scoped token acts only on its pool's nodes");
  if (!(p.IsOperator() && p.IsAdmin())) {
    if (p.org_id != before.id || !p.IsAdmin())
      return Deny("only the operator or the organisation's admins may change it");
    if (after.roles != before.roles || after.group != before.group)
      return Deny("only the operator changes roles and groups");
    if (after.gpu_quota_milli != before.gpu_quota_milli)
      return Deny("only the operator's admins set an organisation's GPU quota (gpu_quota_milli)");
  }
  SUANLI_RETURN_IF_ERROR(ValidateOrg(after));
  std::string other = txn.OrgIdByName(after.name);
  if (!other.empty() && other != after.id)
    return AlreadyExists("an organisation has that name", "name");
  return OkStatus();
}

Status PrepareDelete(Txn& txn, const Principal& p, const Org& o) {
  SUANLI_RETURN_IF_ERROR(RequireOperatorAdmin(p));
  if (o.id == p.org_id) return FailedPrecondition("you cannot delete your own organisation");
  if (AnyOf<User>(txn, [&](const User& u) { return u.org_id == o.id; }))
    return FailedPrecondition("the organisation still has users");
  if (AnyOf<Site>(txn, [&](const Site& s) { return s.org_id == o.id; }))
    return FailedPrecondition("the organisation still has sites");
  if (AnyOf<Job>(txn, [&](const Job& j) { return j.org_id == o.id; }))
    return FailedPrecondition("the organisation has jobs on record");
  return OkStatus();
}

// ---------------- users ----------------

static Status RequireUserAdmin(const Principal& p, const std::string& org_id) {
  if (!p.pool_scope.empty()) return Deny("a pool-scoped token acts only on its pool's nodes");
  if (p.IsOperator() && p.IsAdmin()) return OkStatus();
  if (p.IsAdmin() && p.org_id == org_id) return OkStatus();
  return Deny("only the organisation's admins manage its users");
}

Status PrepareCreate(Txn& txn, const Principal& p, User& u) {
  if (u.org_id.empty()) u.org_id = p.org_id;
  SUANLI_RETURN_IF_ERROR(RequireUserAdmin(p, u.org_id));
  if (!txn.Get<Org>(u.org_id)) return InvalidArgument("no such organisation", "org_id");
  if (!txn.UserIdByName(u.name).empty()) return AlreadyExists("a user has that name", "name");
  u.id = txn.ids().NewId("user");
  return OkStatus();
}

Status PrepareUpdate(Txn& txn, const Principal& p, const User& before, User& after) {
  if (!p.pool_scope.empty()) return Deny("a pool-scoped token acts only on its pool's nodes");
  bool self = p.user_id == before.id;
  if (!RequireUserAdmin(p, before.org_id).ok()) {
    if (!self) return Deny("only the organisation's admins manage its users");
    if (after.role != before.role || after.disabled != before.disabled)
      return Deny("you cannot change your own role or disable yourself");
  }
  if (self && after.disabled) return FailedPrecondition("you cannot disable yourself", "disabled");
  std::string other = txn.UserIdByName(after.name);
  if (!other.empty() && other != after.id) return AlreadyExists("a user has that name", "name");
  return OkStatus();
}

Status PrepareDelete(Txn& txn, const Principal& p, const User& u) {
  SUANLI_RETURN_IF_ERROR(RequireUserAdmin(p, u.org_id));
  if (u.id == p.user_id) return FailedPrecondition("you cannot delete yourself");
  // The user's tokens go with it.
  std::vector<std::string> tokens;
  for (const auto& [id, e] : txn.registry().TableOf<Token>())
    if (e.obj->user_id == u.id) tokens.push_back(id);
  for (const auto& id : tokens) txn.Delete<Token>(id, "delete (user deleted)");
  return OkStatus();
}

// ---------------- tokens ----------------

Status PrepareCreate(Txn& txn, const Principal& p, Token& t) {
  if (!p.pool_scope.empty()) return Deny("a pool-scoped token cannot create tokens");
  if (t.user_id.empty()) t.user_id = p.user_id;
  auto user = txn.Get<User>(t.user_id);
  if (!user) return InvalidArgument("no such user", "user_id");
  if (t.user_id != p.user_id) SUANLI_RETURN_IF_ERROR(RequireUserAdmin(p, user->org_id));
  t.org_id = user->org_id;
  if (!t.pool_id.empty()) {
    auto pool = txn.Get<Pool>(t.pool_id);
    if (!pool) return InvalidArgument("no such pool", "pool_id");
    if (pool->org_id != t.org_id) return Deny("the pool belongs to another organisation");
  }
  if (t.expires_at.ms != 0 && t.expires_at <= txn.now())
    return InvalidArgument("must be in the future", "expires_at");
  t.id = txn.ids().NewId("tok");
  return OkStatus();
}

Status PrepareUpdate(Txn&, const Principal& p, const Token& before, Token&) {
  if (!CanRead(p, before)) return Deny("not your token");
  return OkStatus();
}

Status PrepareDelete(Txn&, const Principal& p, const Token& t) {
  if (!CanRead(p, t)) return Deny("not your token");
  return OkStatus();
}

// ---------------- sites ----------------

Status PrepareCreate(Txn& txn, const Principal& p, Site& s) {
  if (s.org_id.empty()) s.org_id = p.org_id;
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, s.org_id, "supplier"));
  auto org = txn.Get<Org>(s.org_id);
  if (!org) return InvalidArgument("no such organisation", "org_id");
  if (std::find(org->roles.begin(), org->roles.end(), "supplier") == org->roles.end())
    return InvalidArgument("sites belong to supplier organisations", "org_id");
  if (AnyOf<Site>(txn, [&](const Site& x) { return x.org_id == s.org_id && x.name == s.name; }))
    return AlreadyExists("your organisation already has a site of that name", "name");
  s.id = txn.ids().NewId("site");
  return OkStatus();
}

Status PrepareUpdate(Txn& txn, const Principal& p, const Site& before, Site& after) {
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, before.org_id, "supplier"));
  if (AnyOf<Site>(txn, [&](const Site& x) {
        return x.id != after.id && x.org_id == after.org_id && x.name == after.name;
      }))
    return AlreadyExists("your organisation already has a site of that name", "name");
  return OkStatus();
}

Status PrepareDelete(Txn& txn, const Principal& p, const Site& s) {
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, s.org_id, "supplier"));
  if (AnyOf<Pool>(txn, [&](const Pool& x) { return x.site_id == s.id; }))
    return FailedPrecondition("the site still has pools; delete them first");
  return OkStatus();
}

// ---------------- pools ----------------

Status PrepareCreate(Txn& txn, const Principal& p, Pool& pool) {
  auto site = txn.Get<Site>(pool.site_id);
  if (!site) return InvalidArgument("no such site", "site_id");
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, site->org_id, "supplier"));
  pool.org_id = site->org_id;
  if (pool.driver == "slurm" && pool.slurm_partition.empty()) pool.slurm_partition = "normal";
  if (AnyOf<Pool>(txn, [&](const Pool& x) { return x.site_id == pool.site_id && x.name == pool.name; }))
    return AlreadyExists("the site already has a pool of that name", "name");
  pool.id = txn.ids().NewId("pool");
  return OkStatus();
}

Status PrepareUpdate(Txn& txn, const Principal& p, const Pool& before, Pool& after) {
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, before.org_id, "supplier"));
  if (after.kind != before.kind &&
      AnyOf<Offer>(txn, [&](const Offer& o) { return o.pool_id == before.id; }))
    return FailedPrecondition("the pool has offers; its kind cannot change", "kind");
  if (AnyOf<Pool>(txn, [&](const Pool& x) {
        return x.id != after.id && x.site_id == after.site_id && x.name == after.name;
      }))
    return AlreadyExists("the site already has a pool of that name", "name");
  return OkStatus();
}

Status PrepareDelete(Txn& txn, const Principal& p, const Pool& pool) {
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, pool.org_id, "supplier"));
  if (AnyOf<Node>(txn, [&](const Node& n) { return n.pool_id == pool.id; }))
    return FailedPrecondition("the pool still has nodes; delete them first");
  if (AnyOf<Offer>(txn, [&](const Offer& o) { return o.pool_id == pool.id; }))
    return FailedPrecondition("the pool still has offers; delete them first");
  return OkStatus();
}

// ---------------- nodes ----------------

static Status RequireNodeWriter(const Principal& p, const Pool& pool) {
  if (!p.pool_scope.empty()) {
    if (p.pool_scope != pool.id) return Deny("this token acts only for pool " + p.pool_scope);
    return RequireWriter(p);
  }
  return RequireOwner(p, pool.org_id, "supplier");
}

Status PrepareCreate(Txn& txn, const Principal& p, Node& n) {
  auto pool = txn.Get<Pool>(n.pool_id);
  if (!pool) return InvalidArgument("no such pool", "pool_id");
  SUANLI_RETURN_IF_ERROR(RequireNodeWriter(p, *pool));
  SUANLI_RETURN_IF_ERROR(ValidateNode(n));
  for (size_t i = 0; i < n.accelerators.size(); ++i)
    if (!txn.Get<Accelerator>(n.accelerators[i].model))
      return InvalidArgument("unknown accelerator model " + n.accelerators[i].model,
                             "accelerators[" + std::to_string(i) + "].model");
  n.org_id = pool->org_id;
  n.site_id = pool->site_id;
  if (AnyOf<Node>(txn, [&](const Node& x) { return x.pool_id == n.pool_id && x.name == n.name; }))
    return AlreadyExists("the pool already has a node of that name", "name");
  n.id = txn.ids().NewId("node");
  return OkStatus();
}

Status PrepareUpdate(Txn& txn, const Principal& p, const Node& before, Node& after) {
  auto pool = txn.Get<Pool>(before.pool_id);
  if (!pool) return Internal("node without pool");
  SUANLI_RETURN_IF_ERROR(RequireNodeWriter(p, *pool));
  if (after.state == "ready") after.state_reason.clear();
  if (AnyOf<Node>(txn, [&](const Node& x) {
        return x.id != after.id && x.pool_id == after.pool_id && x.name == after.name;
      }))
    return AlreadyExists("the pool already has a node of that name", "name");
  return OkStatus();
}

Status PrepareDelete(Txn& txn, const Principal& p, const Node& n) {
  auto pool = txn.Get<Pool>(n.pool_id);
  if (pool) SUANLI_RETURN_IF_ERROR(RequireNodeWriter(p, *pool));
  if (AnyOf<Job>(txn, [&](const Job& j) {
        if (JobFinished(j.state)) return false;
        for (const auto& pl : j.placement)
          if (pl.node_id == n.id) return true;
        return false;
      }))
    return FailedPrecondition("jobs are placed on the node; drain it first");
  // Without the node, the pool's active offers must still be covered.
  txn.Delete<Node>(n.id);
  for (const auto& [id, e] : txn.registry().TableOf<Offer>()) {
    auto offer = txn.Get<Offer>(id);
    if (!offer || offer->pool_id != n.pool_id || offer->state != "active") continue;
    if (!CheckOfferSupply(txn, *offer).ok())
      return FailedPrecondition("offer " + offer->id +
                                " would sell more than the pool has left; pause or shrink it first");
  }
  return OkStatus();
}

// ---------------- accelerators ----------------

Status PrepareCreate(Txn& txn, const Principal& p, Accelerator& a) {
  SUANLI_RETURN_IF_ERROR(RequireOperatorAdmin(p));
  if (!IsSlug(a.id)) return InvalidArgument("lowercase letters, digits and - _ . only", "id");
  if (txn.Get<Accelerator>(a.id)) return AlreadyExists("the catalog has that id", "id");
  return OkStatus();
}

Status PrepareUpdate(Txn&, const Principal& p, const Accelerator&, Accelerator&) {
  return RequireOperatorAdmin(p);
}

Status PrepareDelete(Txn& txn, const Principal& p, const Accelerator& a) {
  SUANLI_RETURN_IF_ERROR(RequireOperatorAdmin(p));
  if (AnyOf<Node>(txn, [&](const Node& n) {
        for (const auto& x : n.accelerators)
          if (x.model == a.id) return true;
        return false;
      }))
    return FailedPrecondition("nodes have this accelerator");
  return OkStatus();
}

// ---------------- offers ----------------

Status PrepareCreate(Txn& txn, const Principal& p, Offer& o) {
  auto pool = txn.Get<Pool>(o.pool_id);
  if (!pool) return InvalidArgument("no such pool", "pool_id");
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, pool->org_id, "supplier"));
  o.org_id = pool->org_id;
  o.site_id = pool->site_id;
  o.kind = pool->kind;
  SUANLI_RETURN_IF_ERROR(ValidateOffer(o));
  if (!o.accelerator_model.empty() && !txn.Get<Accelerator>(o.accelerator_model))
    return InvalidArgument("unknown accelerator model " + o.accelerator_model, "accelerator_model");
  o.id = txn.ids().NewId("offer");
  return CheckOfferSupply(txn, o);
}

Status PrepareUpdate(Txn& txn, const Principal& p, const Offer& before, Offer& after) {
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, before.org_id, "supplier"));
  SUANLI_RETURN_IF_ERROR(ValidateOffer(after));
  return CheckOfferSupply(txn, after);
}

Status PrepareDelete(Txn& txn, const Principal& p, const Offer& o) {
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, o.org_id, "supplier"));
  if (AnyOf<Job>(txn, [&](const Job& j) { return j.offer_id == o.id && !JobFinished(j.state); }))
    return FailedPrecondition("unfinished jobs run under this offer; withdraw it instead",
                              "state");
  return OkStatus();
}

// ---------------- jobs ----------------

Status PrepareCreate(Txn& txn, const Principal& p, Job& j) {
  SUANLI_RETURN_IF_ERROR(RequireWriter(p));
  if (!p.Is("buyer") && !p.IsOperator()) return Deny("your organisation is not a buyer");
  if (!p.pool_scope.empty()) return Deny("a pool-scoped token cannot submit jobs");
  SUANLI_RETURN_IF_ERROR(ValidateJob(j));
  SUANLI_RETURN_IF_ERROR(CheckModelsExist(txn, j.accelerators.any_of, "accelerators.any_of"));
  if (!j.offer_id.empty()) {
    auto offer = txn.Get<Offer>(j.offer_id);
    if (!offer) return InvalidArgument("no such offer", "offer_id");
    if (offer->state != "active") return FailedPrecondition("the offer is not active", "offer_id");
  }
  if (j.deadline.ms != 0 && j.deadline <= txn.now())
    return InvalidArgument("must be in the future", "deadline");
  j.org_id = p.org_id;
  j.user_id = p.user_id;
  j.state = "pending";
  j.id = txn.ids().NewId("job");
  return OkStatus();
}

Status PrepareUpdate(Txn&, const Principal& p, const Job& before, Job&) {
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, before.org_id, "buyer"));
  if (before.state != "pending")
    return FailedPrecondition("only a pending job can be changed; this one is " + before.state,
                              "state");
  return OkStatus();
}

Status PrepareDelete(Txn&, const Principal&, const Job&) {
  return FailedPrecondition("jobs are cancelled, not deleted");
}

Status CancelJob(Txn& txn, const Principal& p, const std::string& job_id, const std::string& reason,
                 std::shared_ptr<const Job>* out) {
  auto job = txn.Get<Job>(job_id);
  if (!job || !CanRead(p, *job)) return NotFound("no job " + job_id);
  SUANLI_RETURN_IF_ERROR(RequireOwner(p, job->org_id, "buyer"));
  if (JobFinished(job->state))
    return FailedPrecondition("the job already " + job->state, "state");
  Job next = *job;
  next.state = "cancelled";
  next.state_reason = reason.empty() ? "cancelled by " + p.user_name : reason;
  next.finished_at = txn.now();
  *out = txn.Put(std::move(next), "cancel");
  return OkStatus();
}

}  // namespace suanli::control
