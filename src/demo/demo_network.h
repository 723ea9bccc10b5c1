// A believable compute network for demos, tests and the simulator: providers, buyers, the
// operator and the regulator of a Chengdu city platform; sites in national hubs, provincial
// capitals and Chengdu's districts; AI, general and HPC pools; a few thousand nodes of many
// accelerator vendors; offers; and a mix of jobs. Built as plain domain records — no I/O.
#pragma once

#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "domain/types.h"

namespace suanli::demo {

struct DemoNetwork {
  std::vector<domain::Org> orgs;    // providers (suppliers), buyers, one operator, one regulator
  std::vector<domain::User> users;  // one admin user per org
  std::vector<domain::Site> sites;
  std::vector<domain::Pool> pools;
  std::vector<domain::Node> nodes;
  std::vector<domain::Offer> offers;
  std::vector<domain::Job> jobs;
};

// Builds the demo network. Pure and deterministic: the same seed and `now` give the same
// records (ids, faults, prices, jobs); the shape (orgs, sites, pools, node counts) does not
// depend on the seed. Every record has version 1 and created_at = updated_at = now;
// references (org_id, site_id, pool_id, user_id) point at records in the result; accelerator
// models are built-in catalog ids; offers never sell more than their pool's ready nodes hold.
// Thread-safe.
DemoNetwork BuildDemoNetwork(uint64_t seed, Timestamp now);

}  // namespace suanli::demo
