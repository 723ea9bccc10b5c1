// Turns the platform's records (sites, pools, nodes, offers, jobs, orgs) into the market's
// Supply: active offers only; each offer's free units are its quantity minus what running,
// scheduled and queued jobs under it hold; running jobs release their units at their expected
// end (start + duration estimate); a pool's ready share is its ready nodes over all nodes.
// Pure: the API feeds it from the registry, tests from the demo network.
#pragma once

#include <vector>

#include "domain/resources.h"
#include "market/supply.h"

namespace suanli::market {

struct Records {
  std::vector<domain::Site> sites;
  std::vector<domain::Pool> pools;
  std::vector<domain::Node> nodes;
  std::vector<domain::Offer> offers;
  std::vector<domain::Job> jobs;
  std::vector<domain::Org> orgs;
};

Supply SupplyFromRecords(const Records& r, Timestamp now);

// Units of `offer` a job holds: tasks spread over units of the offer's shape.
int64_t UnitsHeld(const domain::Offer& offer, const domain::Job& job);

}  // namespace suanli::market
