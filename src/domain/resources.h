// The schema of every resource kind: fields, flags and validation (see schema.h).
#pragma once

#include "domain/schema.h"
#include "domain/types.h"

namespace suanli::domain {

const Schema<Org>& OrgSchema();
const Schema<User>& UserSchema();
const Schema<Token>& TokenSchema();
const Schema<Site>& SiteSchema();
const Schema<Pool>& PoolSchema();
const Schema<Node>& NodeSchema();
const Schema<Accelerator>& AcceleratorSchema();
const Schema<Offer>& OfferSchema();
const Schema<Job>& JobSchema();

// Cross-field checks that a single field cannot express (after Decode).
Status ValidateOrg(const Org& o);
Status ValidateNode(const Node& n);
Status ValidateOffer(const Offer& o);
Status ValidateJob(const Job& j);

// Job lifecycle: may a job in `from` move to `to`?
bool JobTransitionAllowed(std::string_view from, std::string_view to);
bool JobFinished(std::string_view state);

}  // namespace suanli::domain
