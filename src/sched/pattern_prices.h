// Prices of GPU shares from the cutting-stock LP, for the suanli policy's first key.
//
// Devices are bins of 1000 milli and shares are items. Packing the workload's shares into as few
// devices as possible is the cutting-stock problem; its LP relaxation (Gilmore & Gomory, 1961:
// minimise devices used, each column a pattern = a multiset of share sizes that fits one device)
// is solved here by column generation with GLPK, demand = the profile's share frequencies. The
// LP's dual gives each share size a price y(s): the fraction of a device it is worth in an
// optimal packing (for the Alibaba `default` trace: 810 → 1, 650 → 2/3, 470 → 1/2, 320 → 1/3).
//
// From the prices, V(g) = the most a gap of g milli can still earn (an unbounded knapsack over
// the priced sizes; V(1000) = 1 at the optimum). Putting a share s into a device with g free
// loses V(g) − y(s) − V(g − s) ≥ 0 of a device: zero when the device stays on an optimal
// pattern (470 into a fresh device or beside another 470), positive when the gap left can no
// longer be filled as well (470 beside a 320 leaves 210, which only rare shares fill). This is
// the reduced cost of the placement; the policy takes the placement that loses least. Whole
// devices are always packed perfectly and lose nothing.
//
// A gap is only worth V(g) if its node can still run a share that fits it: each share shape also
// asks for CPU, and a node whose free CPU is below what every fitting shape asks strands the gap
// (worth 0). StrandedValue sums that over a node; the policy adds to a placement's loss what it
// strands on its node by taking CPU (for whole-device tasks too).
//
// Sizes the profile has not shown are priced at V(s) (what the known sizes would earn in their
// place). An empty profile leaves every loss at 0 (the key is silent).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sched/types.h"
#include "sched/workload.h"

namespace suanli::sched {

class PatternPrices {
 public:
  PatternPrices() = default;
  explicit PatternPrices(const WorkloadProfile& shapes) { Reset(shapes); }

  // Solves the LP for the share shapes (gpu_count 1, 0 < milli < 1000) of `shapes`, weighted
  // by their weights; model and CPU are not part of the LP.
  void Reset(const WorkloadProfile& shapes);
  bool active() const { return active_; }

  // Loss of a device, in milli-devices (rounded, ≥ 0), when a share of `share` milli goes into
  // a device with `free` milli free. 0 when inactive or for whole devices.
  int Loss(int free, int share) const;
  // y(s): the LP price of a share size (a fraction of a device); V(s) if the LP did not see it.
  double Price(int share) const;
  // V(g): the most a gap of g milli can earn at these prices.
  double GapValue(int free) const { return value_[static_cast<size_t>(free)]; }
  // Devices the LP needs per unit of share demand (Σ weights = the profile's share weight).
  double lp_devices() const { return lp_devices_; }
  // The least CPU (milli) any share shape of at most `free` milli asks for (INT64_MAX: none).
  int64_t MinCpu(int free) const { return min_cpu_[static_cast<size_t>(free)]; }
  // Σ V(g) over the partly used devices whose gap g no share shape fits with `cpu_free` (in
  // devices; 0 when inactive).
  double StrandedValue(const int16_t* gpu_free, int gpu_count, int64_t cpu_free) const;

 private:
  bool active_ = false;
  double lp_devices_ = 0;
  std::array<double, kMilliPerDevice + 1> price_{};  // by size; < 0 = not in the LP
  std::array<double, kMilliPerDevice + 1> value_{};  // V(g)
  std::array<int64_t, kMilliPerDevice + 1> min_cpu_{};  // by gap size
};

}  // namespace suanli::sched
