// A random but believable national market, for the match benchmark and the property tests:
// sites in real cities (Cities()) with hub/region/edge tiers, offers of every catalog model,
// CPU and HPC offers, prices that follow the cards' FLOPS, partly sold capacity with releases.
// Deterministic for a seed.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "market/matcher.h"
#include "market/supply.h"

namespace suanli::market {

struct SyntheticOptions {
  int offers = 100000;
  int sites = 0;                 // 0: offers / 100, at least 40
  int suppliers = 60;
  double devices_per_offer = 12.5;  // mean accelerators per accelerator offer (quantity × unit)
  uint64_t seed = 1;
  Timestamp now{1'767'225'600'000};  // 2026-01-01T00:00:00Z
};

Supply SyntheticSupply(const SyntheticOptions& o, const std::vector<domain::Accelerator>& catalog);

// A random buyer request: AI training (some allowed to split), CPU batch work and
// latency-sensitive services, with deadlines, budgets, cities and latency limits mixed in.
MatchRequest SyntheticRequest(std::mt19937_64& rng, const std::vector<domain::Accelerator>& catalog,
                              Timestamp now);

// A random market search: zero to three facet filters, sometimes price, memory, reliability,
// latency, and any sort.
SearchQuery SyntheticQuery(std::mt19937_64& rng, const std::vector<domain::Accelerator>& catalog);

}  // namespace suanli::market
