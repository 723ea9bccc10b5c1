#include "control/registry.h"

#include <future>

namespace suanli::control {

using namespace domain;

template <> const Schema<Org>& SchemaOf<Org>() { return OrgSchema(); }
template <> const Schema<User>& SchemaOf<User>() { return UserSchema(); }
template <> const Schema<Token>& SchemaOf<Token>() { return TokenSchema(); }
template <> const Schema<Site>& SchemaOf<Site>() { return SiteSchema(); }
template <> const Schema<Pool>& SchemaOf<Pool>() { return PoolSchema(); }
template <> const Schema<Node>& SchemaOf<Node>() { return NodeSchema(); }
template <> const Schema<Accelerator>& SchemaOf<Accelerator>() { return AcceleratorSchema(); }
template <> const Schema<Offer>& SchemaOf<Offer>() { return OfferSchema(); }
template <> const Schema<Job>& SchemaOf<Job>() { return JobSchema(); }

template <> Table<Org>& Registry::TableOf<Org>() { return orgs_; }
template <> Table<User>& Registry::TableOf<User>() { return users_; }
template <> Table<Token>& Registry::TableOf<Token>() { return tokens_; }
template <> Table<Site>& Registry::TableOf<Site>() { return sites_; }
template <> Table<Pool>& Registry::TableOf<Pool>() { return pools_; }
template <> Table<Node>& Registry::TableOf<Node>() { return nodes_; }
template <> Table<Accelerator>& Registry::TableOf<Accelerator>() { return accelerators_; }
template <> Table<Offer>& Registry::TableOf<Offer>() { return offers_; }
template <> Table<Job>& Registry::TableOf<Job>() { return jobs_; }

std::string ParentOf(const Org&) { return ""; }
std::string ParentOf(const User& u) { return u.org_id; }
std::string ParentOf(const Token& t) { return t.user_id; }
std::string ParentOf(const Site&) { return ""; }
std::string ParentOf(const Pool& p) { return p.site_id; }
std::string ParentOf(const Node& n) { return n.pool_id; }
std::string ParentOf(const Accelerator&) { return ""; }
std::string ParentOf(const Offer& o) { return o.pool_id; }
std::string ParentOf(const Job& j) { return j.pool_id; }

Registry::Registry(store::Store* store, const Clock* clock, IdSource* ids)
    : store_(store), clock_(clock), ids_(ids) {
  committer_ = std::make_unique<Committer>(store_, [this](const Status& s) { OnCommitFailure(s); });
}

Registry::~Registry() { committer_.reset(); }

template <class T>
void Registry::ApplyPut(std::shared_ptr<const T> obj, std::shared_ptr<const std::string> json) {
  auto& table = TableOf<T>();
  auto it = table.find(obj->id);
  if constexpr (std::is_same_v<T, Token>) {
    if (it != table.end()) token_by_hash_.erase(it->second.obj->hash);
    token_by_hash_[obj->hash] = obj->id;
  } else if constexpr (std::is_same_v<T, User>) {
    if (it != table.end()) user_by_name_.erase(it->second.obj->name);
    user_by_name_[obj->name] = obj->id;
  } else if constexpr (std::is_same_v<T, Org>) {
    if (it != table.end()) org_by_name_.erase(it->second.obj->name);
    org_by_name_[obj->name] = obj->id;
  }
  if constexpr (std::is_same_v<T, Job>) {
    if (domain::JobFinished(obj->state)) {
      open_jobs_.erase(obj->id);
    } else {
      open_jobs_.insert(obj->id);
    }
  }
  if constexpr (std::is_same_v<T, Token> || std::is_same_v<T, User> || std::is_same_v<T, Org>)
    auth_generation_.fetch_add(1, std::memory_order_acq_rel);
  if constexpr (std::is_same_v<T, Node> || std::is_same_v<T, Pool> || std::is_same_v<T, Accelerator>)
    topology_generation_.fetch_add(1, std::memory_order_acq_rel);
  const std::string id = obj->id;  // the right side of = is evaluated first (C++17)
  table[id] = Entry<T>{std::move(obj), std::move(json)};
}

template <class T>
void Registry::ApplyDelete(const std::string& id) {
  auto& table = TableOf<T>();
  auto it = table.find(id);
  if (it == table.end()) return;
  if constexpr (std::is_same_v<T, Token> || std::is_same_v<T, User> || std::is_same_v<T, Org>)
    auth_generation_.fetch_add(1, std::memory_order_acq_rel);
  if constexpr (std::is_same_v<T, Node> || std::is_same_v<T, Pool> || std::is_same_v<T, Accelerator>)
    topology_generation_.fetch_add(1, std::memory_order_acq_rel);
  if constexpr (std::is_same_v<T, Token>) token_by_hash_.erase(it->second.obj->hash);
  if constexpr (std::is_same_v<T, User>) user_by_name_.erase(it->second.obj->name);
  if constexpr (std::is_same_v<T, Org>) org_by_name_.erase(it->second.obj->name);
  if constexpr (std::is_same_v<T, Job>) open_jobs_.erase(id);
  table.erase(it);
}

void Registry::ForEachOpenJob(const std::function<void(const Entry<Job>&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const auto& id : open_jobs_) {
    auto it = jobs_.find(id);
    if (it != jobs_.end()) fn(it->second);
  }
}

template <class T>
Status Registry::LoadKind() {
  const auto& schema = SchemaOf<T>();
  auto records = store_->LoadKind(schema.kind);
  if (!records) return records.error();
  TableOf<T>().clear();
  if constexpr (std::is_same_v<T, Job>) open_jobs_.clear();
  for (const auto& r : *records) {
    Json j = Json::parse(r.body, nullptr, false);
    if (j.is_discarded())
      return DataLoss("stored " + schema.kind + " " + r.id + " is not valid JSON");
    T obj;
    Status s = Decode(schema, j, &obj, DecodeMode::kStored);
    if (!s.ok()) return DataLoss("stored " + schema.kind + " " + r.id + ": " + s.ToString());
    auto ptr = std::make_shared<const T>(std::move(obj));
    auto json = std::make_shared<const std::string>(Encode(schema, *ptr).dump());
    ApplyPut<T>(ptr, json);
  }
  return OkStatus();
}

Status Registry::Load() {
  std::unique_lock lock(mu_);
  auth_generation_.fetch_add(1, std::memory_order_acq_rel);
  token_by_hash_.clear();
  user_by_name_.clear();
  org_by_name_.clear();
  SUANLI_RETURN_IF_ERROR(LoadKind<Org>());
  SUANLI_RETURN_IF_ERROR(LoadKind<User>());
  SUANLI_RETURN_IF_ERROR(LoadKind<Token>());
  SUANLI_RETURN_IF_ERROR(LoadKind<Site>());
  SUANLI_RETURN_IF_ERROR(LoadKind<Pool>());
  SUANLI_RETURN_IF_ERROR(LoadKind<Node>());
  SUANLI_RETURN_IF_ERROR(LoadKind<Accelerator>());
  SUANLI_RETURN_IF_ERROR(LoadKind<Offer>());
  SUANLI_RETURN_IF_ERROR(LoadKind<Job>());
  return OkStatus();
}

void Registry::OnCommitFailure(const Status&) {
  // Memory ran ahead of the store with changes that are now lost: reload what is durable.
  // (If the store is unreachable the reload fails too; memory is then stale until restart,
  // and every write keeps failing, so nothing unacknowledged is ever served as durable.)
  (void)Load();
}

Status Registry::Write(const Actor& actor, const std::function<Status(Txn&)>& fn, Done done) {
  std::unique_lock lock(mu_);
  Txn txn(this, actor, clock_->Now(), ids_);
  SUANLI_RETURN_IF_ERROR(fn(txn));
  store::WriteBatch batch;
  for (auto& c : txn.changes_) {
    c.apply(*this);
    batch.mutations.push_back(std::move(c.mutation));
    batch.audit.push_back(std::move(c.audit));
  }
  // Enqueue under the lock so commit order equals the order changes were applied in memory.
  committer_->Enqueue(std::move(batch), std::move(done));
  return OkStatus();
}

Status Registry::WriteSync(const Actor& actor, const std::function<Status(Txn&)>& fn) {
  auto p = std::make_shared<std::promise<Status>>();
  auto f = p->get_future();
  Status s = Write(actor, fn, [p](const Status& st) { p->set_value(st); });
  if (!s.ok()) return s;
  return f.get();
}

std::string Txn::UserIdByName(const std::string& name) const {
  for (const auto& [key, obj] : staged_)
    if (key.first == "user" && std::static_pointer_cast<const User>(obj)->name == name)
      return key.second;
  auto it = reg_->user_by_name_.find(name);
  if (it == reg_->user_by_name_.end() || !Get<User>(it->second)) return "";
  return Get<User>(it->second)->name == name ? it->second : "";
}

std::string Txn::OrgIdByName(const std::string& name) const {
  for (const auto& [key, obj] : staged_)
    if (key.first == "org" && std::static_pointer_cast<const Org>(obj)->name == name)
      return key.second;
  auto it = reg_->org_by_name_.find(name);
  if (it == reg_->org_by_name_.end() || !Get<Org>(it->second)) return "";
  return Get<Org>(it->second)->name == name ? it->second : "";
}

std::string Registry::TokenIdByHash(const std::string& hash) const {
  std::shared_lock lock(mu_);
  auto it = token_by_hash_.find(hash);
  return it == token_by_hash_.end() ? "" : it->second;
}

std::string Registry::UserIdByName(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = user_by_name_.find(name);
  return it == user_by_name_.end() ? "" : it->second;
}

std::string Registry::OrgIdByName(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = org_by_name_.find(name);
  return it == org_by_name_.end() ? "" : it->second;
}

}  // namespace suanli::control

namespace suanli::control {
#define SUANLI_INSTANTIATE(T)                                                              \
  template void Registry::ApplyPut<T>(std::shared_ptr<const T>, std::shared_ptr<const std::string>); \
  template void Registry::ApplyDelete<T>(const std::string&);
SUANLI_INSTANTIATE(domain::Org)
SUANLI_INSTANTIATE(domain::User)
SUANLI_INSTANTIATE(domain::Token)
SUANLI_INSTANTIATE(domain::Site)
SUANLI_INSTANTIATE(domain::Pool)
SUANLI_INSTANTIATE(domain::Node)
SUANLI_INSTANTIATE(domain::Accelerator)
SUANLI_INSTANTIATE(domain::Offer)
SUANLI_INSTANTIATE(domain::Job)
#undef SUANLI_INSTANTIATE
}  // namespace suanli::control
