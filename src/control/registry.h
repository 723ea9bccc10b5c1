// The registry is the control plane's working set: every resource, typed, in memory, with
// its public JSON cached, written through to the durable store.
//
// Reads take a shared lock and never touch the store. A write runs a function under the
// exclusive lock that stages changes in a Txn; if it succeeds the changes are applied to
// memory, and one WriteBatch (changes plus audit entries) is queued to the group committer in
// the same order. The caller acknowledges its client only when the batch is durable. If a
// commit fails, the registry reloads itself from the store, so memory never keeps a change the
// store lost.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/committer.h"
#include "core/clock.h"
#include "core/random.h"
#include "domain/resources.h"
#include "store/store.h"

namespace suanli::control {

using domain::Json;

// Who is acting: the authenticated user, for audit entries and authorisation.
struct Actor {
  std::string user_id;
  std::string org_id;
  std::string request_id;
};

template <class T>
struct Entry {
  std::shared_ptr<const T> obj;
  std::shared_ptr<const std::string> json;  // public JSON (no secrets)
};

template <class T>
using Table = std::map<std::string, Entry<T>>;  // ordered by id

class Registry;

// Changes staged by one write. Reads through a Txn see its own staged changes.
class Txn {
 public:
  template <class T>
  std::shared_ptr<const T> Get(const std::string& id) const;
  // Stages a create or replace. Sets version, created_at/updated_at. Returns the stored object.
  template <class T>
  std::shared_ptr<const T> Put(T obj, std::string action);
  template <class T>
  void Delete(const std::string& id, std::string action = "delete");
  Timestamp now() const { return now_; }
  const Actor& actor() const { return actor_; }
  IdSource& ids() const { return *ids_; }
  const Registry& registry() const { return *reg_; }
  // Unique-name lookups that see this Txn's staged changes ("" when unknown).
  std::string UserIdByName(const std::string& name) const;
  std::string OrgIdByName(const std::string& name) const;

 private:
  friend class Registry;
  struct Change {
    std::string kind, id;
    std::function<void(Registry&)> apply;  // applies to memory (under the exclusive lock)
    store::Mutation mutation;
    store::AuditEntry audit;
  };
  Txn(Registry* reg, Actor actor, Timestamp now, IdSource* ids)
      : reg_(reg), actor_(std::move(actor)), now_(now), ids_(ids) {}

  Registry* reg_;
  Actor actor_;
  Timestamp now_;
  IdSource* ids_;
  std::vector<Change> changes_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const void>> staged_;
  std::map<std::pair<std::string, std::string>, bool> deleted_;
};

class Registry {
 public:
  Registry(store::Store* store, const Clock* clock, IdSource* ids);
  ~Registry();

  // Loads every kind from the store. Call once before serving.
  Status Load();

  // Runs `fn` under the exclusive lock. On OK its changes are applied to memory and queued
  // for commit; `done` is called (on the committer thread) once they are durable or failed.
  // On error nothing is applied and `done` is not called; the error is returned.
  using Done = std::function<void(const Status&)>;
  Status Write(const Actor& actor, const std::function<Status(Txn&)>& fn, Done done);
  // Write and wait until durable.
  Status WriteSync(const Actor& actor, const std::function<Status(Txn&)>& fn);

  template <class T>
  std::optional<Entry<T>> Get(const std::string& id) const {
    std::shared_lock lock(mu_);
    const auto& t = TableOf<T>();
    auto it = t.find(id);
    if (it == t.end()) return std::nullopt;
    return it->second;
  }

  // Calls fn(entry) for every record of T in id order under the shared lock; fn must be quick
  // and must not call back into the registry's write path.
  template <class T>
  void ForEach(const std::function<void(const Entry<T>&)>& fn) const {
    std::shared_lock lock(mu_);
    for (const auto& [id, e] : TableOf<T>()) fn(e);
  }
  // Calls fn(entry) for every job not yet finished (pending, scheduled, running), in id order,
  // under the shared lock: O(open jobs), however many finished jobs the registry holds.
  void ForEachOpenJob(const std::function<void(const Entry<domain::Job>&)>& fn) const;

  template <class T>
  size_t Count() const {
    std::shared_lock lock(mu_);
    return TableOf<T>().size();
  }

  // Token id for a token hash, "" when unknown.
  std::string TokenIdByHash(const std::string& hash) const;
  // Id of the user / org with this unique name, "" when unknown.
  std::string UserIdByName(const std::string& name) const;
  std::string OrgIdByName(const std::string& name) const;

  // Bumped on every change to an org, user or token: lets caches of principals notice.
  uint64_t auth_generation() const { return auth_generation_.load(std::memory_order_acquire); }
  // Bumped by every change of a node, pool or accelerator (lets mirrors skip unchanged rounds).
  uint64_t topology_generation() const {
    return topology_generation_.load(std::memory_order_acquire);
  }

  Committer& committer() { return *committer_; }
  store::Store& store() { return *store_; }
  const Clock& clock() const { return *clock_; }
  IdSource& ids() { return *ids_; }

  // Unlocked access for code already holding the lock (Txn, apply functions).
  template <class T>
  Table<T>& TableOf();
  template <class T>
  const Table<T>& TableOf() const {
    return const_cast<Registry*>(this)->TableOf<T>();
  }

 private:
  friend class Txn;
  template <class T>
  Status LoadKind();
  template <class T>
  void ApplyPut(std::shared_ptr<const T> obj, std::shared_ptr<const std::string> json);
  template <class T>
  void ApplyDelete(const std::string& id);
  void OnCommitFailure(const Status& s);

  store::Store* store_;
  const Clock* clock_;
  IdSource* ids_;
  mutable std::shared_mutex mu_;
  Table<domain::Org> orgs_;
  Table<domain::User> users_;
  Table<domain::Token> tokens_;
  Table<domain::Site> sites_;
  Table<domain::Pool> pools_;
  Table<domain::Node> nodes_;
  Table<domain::Accelerator> accelerators_;
  Table<domain::Offer> offers_;
  Table<domain::Job> jobs_;
  std::unordered_map<std::string, std::string> token_by_hash_;  // guarded by mu_
  std::unordered_map<std::string, std::string> user_by_name_;
  std::unordered_map<std::string, std::string> org_by_name_;
  std::set<std::string> open_jobs_;  // ids of jobs not finished; guarded by mu_
  std::atomic<uint64_t> auth_generation_{0};
  std::atomic<uint64_t> topology_generation_{0};
  std::unique_ptr<Committer> committer_;
};

// The schema of T (OrgSchema() for Org, ...).
template <class T>
const domain::Schema<T>& SchemaOf();
// The parent id a record is indexed under in the store.
std::string ParentOf(const domain::Org&);
std::string ParentOf(const domain::User&);
std::string ParentOf(const domain::Token&);
std::string ParentOf(const domain::Site&);
std::string ParentOf(const domain::Pool&);
std::string ParentOf(const domain::Node&);
std::string ParentOf(const domain::Accelerator&);
std::string ParentOf(const domain::Offer&);
std::string ParentOf(const domain::Job&);

// ---- template implementations ----

template <class T>
std::shared_ptr<const T> Txn::Get(const std::string& id) const {
  const auto key = std::make_pair(SchemaOf<T>().kind, id);
  if (deleted_.count(key)) return nullptr;
  auto it = staged_.find(key);
  if (it != staged_.end()) return std::static_pointer_cast<const T>(it->second);
  const auto& t = reg_->TableOf<T>();
  auto jt = t.find(id);
  return jt == t.end() ? nullptr : jt->second.obj;
}

template <class T>
std::shared_ptr<const T> Txn::Put(T obj, std::string action) {
  const auto& schema = SchemaOf<T>();
  auto before = Get<T>(obj.id);
  obj.version = before ? before->version + 1 : 1;
  obj.created_at = before ? before->created_at : now_;
  obj.updated_at = now_;
  auto ptr = std::make_shared<const T>(std::move(obj));
  auto json = std::make_shared<const std::string>(domain::Encode(schema, *ptr).dump());
  // Encode once where possible: the stored body equals the public JSON unless the kind has
  // secrets, and the audit's "before" is the cached JSON of the committed record.
  static const bool has_secrets = [&] {
    for (const auto& f : schema.fields)
      if (f.flags & domain::kSecret) return true;
    return false;
  }();
  std::string before_json;
  if (before) {
    const auto& table = reg_->TableOf<T>();
    auto it = table.find(ptr->id);
    before_json = it != table.end() && it->second.obj == before ? *it->second.json
                                                                 : domain::Encode(schema, *before).dump();
  }
  Change c;
  c.kind = schema.kind;
  c.id = ptr->id;
  c.mutation.op = store::Mutation::Op::kPut;
  c.mutation.record = {schema.kind, ptr->id, ptr->org_id, ParentOf(*ptr), ptr->version, now_.ms,
                       has_secrets ? domain::Encode(schema, *ptr, true).dump() : *json};
  c.audit = {0, now_.ms, actor_.user_id, actor_.org_id, std::move(action), schema.kind, ptr->id,
             std::move(before_json), *json, actor_.request_id};
  c.apply = [ptr, json](Registry& r) { r.ApplyPut<T>(ptr, json); };
  const auto key = std::make_pair(schema.kind, ptr->id);
  staged_[key] = ptr;
  deleted_.erase(key);
  changes_.push_back(std::move(c));
  return ptr;
}

template <class T>
void Txn::Delete(const std::string& id, std::string action) {
  const auto& schema = SchemaOf<T>();
  auto before = Get<T>(id);
  if (!before) return;
  Change c;
  c.kind = schema.kind;
  c.id = id;
  c.mutation.op = store::Mutation::Op::kDelete;
  c.mutation.record.kind = schema.kind;
  c.mutation.record.id = id;
  c.audit = {0, now_.ms, actor_.user_id, actor_.org_id, std::move(action), schema.kind, id,
             domain::Encode(schema, *before).dump(), "", actor_.request_id};
  c.apply = [id](Registry& r) { r.ApplyDelete<T>(id); };
  const auto key = std::make_pair(schema.kind, id);
  staged_.erase(key);
  deleted_[key] = true;
  changes_.push_back(std::move(c));
}

}  // namespace suanli::control
