// What the market sees: sites, and active offers with the capacity left in them right now and
// when more frees up. Built by a driver (the API from the registry, the benchmark and tests
// from a generator); the market library itself reads no registry, store or ledger.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "domain/types.h"

namespace suanli::market {

struct SiteInfo {
  std::string id;
  std::string name;
  std::string city;
  std::string province;
  std::string tier = "region";  // hub | region | edge
  double latitude = 0;
  double longitude = 0;
};

// Units of an offer that become free at `at` (a running job's expected end).
struct Release {
  Timestamp at;
  int64_t units = 0;
};

struct OfferInfo {
  domain::Offer offer;         // only active offers are indexed
  std::string supplier_group;  // corporate group of the supplier (related parties)
  int64_t free_units = 0;      // units not sold to running or queued work now
  std::vector<Release> releases;  // when more units free up, any order
  double pool_ready = 1.0;        // share of the pool's nodes that are ready (0..1)
};

struct Supply {
  Timestamp now;
  std::vector<SiteInfo> sites;
  std::vector<OfferInfo> offers;  // offer.site_id refers to `sites`
};

}  // namespace suanli::market
