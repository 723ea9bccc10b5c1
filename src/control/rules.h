// The platform's rules per resource kind: who may read and change what (by organisation and
// role), which references must exist, what must be unique, and what a change implies
// (a node takes its site and owner from its pool, an offer may not sell more than its pool
// has, a pool with nodes cannot be deleted...). Each hook runs inside a write's Txn.
#pragma once

#include "control/auth.h"
#include "control/registry.h"

namespace suanli::control {

// Reads.
bool CanRead(const Principal& p, const domain::Org& o);
bool CanRead(const Principal& p, const domain::User& u);
bool CanRead(const Principal& p, const domain::Token& t);
bool CanRead(const Principal& p, const domain::Site& s);
bool CanRead(const Principal& p, const domain::Pool& s);
bool CanRead(const Principal& p, const domain::Node& n);
bool CanRead(const Principal& p, const domain::Accelerator& a);
bool CanRead(const Principal& p, const domain::Offer& o);
bool CanRead(const Principal& p, const domain::Job& j);
// May `p` list this kind at all (regardless of which records it then sees)?
template <class T>
bool CanList(const Principal&) {
  return true;
}

// Creates: validate, fill derived fields, check authorisation, uniqueness and references.
Status PrepareCreate(Txn& txn, const Principal& p, domain::Org& o);
Status PrepareCreate(Txn& txn, const Principal& p, domain::User& u);
Status PrepareCreate(Txn& txn, const Principal& p, domain::Token& t);
Status PrepareCreate(Txn& txn, const Principal& p, domain::Site& s);
Status PrepareCreate(Txn& txn, const Principal& p, domain::Pool& s);
Status PrepareCreate(Txn& txn, const Principal& p, domain::Node& n);
Status PrepareCreate(Txn& txn, const Principal& p, domain::Accelerator& a);
Status PrepareCreate(Txn& txn, const Principal& p, domain::Offer& o);
Status PrepareCreate(Txn& txn, const Principal& p, domain::Job& j);

// Updates (after the patch was decoded onto a copy `after` of `before`).
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Org& before, domain::Org& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::User& before, domain::User& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Token& before,
                     domain::Token& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Site& before, domain::Site& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Pool& before, domain::Pool& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Node& before, domain::Node& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Accelerator& before,
                     domain::Accelerator& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Offer& before,
                     domain::Offer& after);
Status PrepareUpdate(Txn& txn, const Principal& p, const domain::Job& before, domain::Job& after);

// Deletes (jobs are cancelled instead, see CancelJob).
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Org& o);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::User& u);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Token& t);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Site& s);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Pool& s);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Node& n);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Accelerator& a);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Offer& o);
Status PrepareDelete(Txn& txn, const Principal& p, const domain::Job& j);

// Moves a job to "cancelled" (from any unfinished state). The buyer's org or the operator.
Status CancelJob(Txn& txn, const Principal& p, const std::string& job_id, const std::string& reason,
                 std::shared_ptr<const domain::Job>* out);

}  // namespace suanli::control
