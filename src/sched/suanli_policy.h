// Our default policy, "suanli": the cutting-stock LP's prices for shares first, then FGD's
// decision, refined where FGD cannot tell placements apart.
//
// A lexicographic score of six keys, from the cluster state, the task and the workload profile
// only (no per-trace constant):
//  0. Pattern loss (pattern_prices.h): the LP relaxation of packing the workload's shares into
//     devices prices each share size; putting share s into a device with g free loses
//     V(g) - y(s) - V(g - s) of a device (the reduced cost), plus, for any GPU task, the value
//     of the node's gaps its CPU use strands (no share that fits them could get its CPU). The
//     placement that loses least wins.
//  1. FGD (fgd_policy.h) scores a placement by how much it grows the node's expected
//     fragmentation F_n, as the integer floor(100 * sigmoid(ΔF / 1000)). Near ΔF = 0 one integer
//     step is about 40 milli-GPU, so most decisions are ties between many nodes, which the
//     published method breaks by a fixed node rank; the finer keys below replace that.
//  2. Model price (scarce models): the price of a model's idle capacity is the GPU volume of the
//     typical shapes allowed on it, each divided by the idle capacity of all models that shape
//     may use. Work goes to the cheapest allowed model first (key: rank of the node's model by
//     price). Without model constraints all prices are equal and the key is silent.
//  3. Hosting price (host_prices.h): demand over supply of every shape seen, summed over the
//     copies the placement takes away from the cluster.
//  4. Sum of squares (Csirik, Johnson, Kenyon, Orlin, Shor, Weber, JACM 2006): devices are bins
//     of 1000 milli; N(g) counts the partly used devices of the node's model with free share g
//     (cluster-wide). A share moving a device from f to f - s changes Σ N(g)² by
//     2(N(f - s) - N(f)) + 2 (fully free and full devices are not counted); the least increase
//     wins.
//  5. Look-ahead fragment (WorkloadProfile::FillFragmentation): per typical shape, the idle GPU
//     that *repeated* copies of the shape could not fill, limited by the free devices and by the
//     free CPU. The placement that grows it least wins. Then the node rank.
// Tried and rejected (see docs/scheduling.md): the look-ahead measure as the *first* key, SS as
// the first key, the pattern loss after FGD's key, best fit as a last key.
#pragma once

#include <vector>

#include "sched/fgd_policy.h"
#include "sched/host_prices.h"
#include "sched/pattern_prices.h"
#include "sched/policy.h"

namespace suanli::sched {

class SuanliPolicy final : public PlacementPolicy {
 public:
  // `profile`: the typical shapes (FGD's 95%); `every_shape`: all shapes seen (empty: the
  // hosting price and pattern loss keys are silent).
  explicit SuanliPolicy(WorkloadProfile profile, WorkloadProfile every_shape = {})
      : profile_(std::move(profile)),
        fgd_(&profile_),
        fill_(&profile_, /*fill=*/true),
        hosts_(every_shape),
        patterns_(every_shape) {}
  std::string_view name() const override { return "suanli"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;
  void Bind(const Cluster* cluster) override {
    cluster_ = cluster;
    hosts_.Bind(cluster);
  }
  // Takes new profiles: the fragment caches and the model prices are dropped, the hosting
  // prices are rebuilt over `every_shape` and re-counted over the bound cluster, and the
  // pattern prices are solved again for `every_shape`.
  void SetWorkload(const WorkloadProfile& typical, const WorkloadProfile& every_shape) override;
  const WorkloadProfile& profile() const { return profile_; }
  const HostPrices& host_prices() const { return hosts_; }
  const PatternPrices& pattern_prices() const { return patterns_; }

  // The six keys combined into one double below 2^51, so that it and a quarter step on top are
  // exact: pattern_loss in milli-devices, in 8-milli steps clamped to 0..127 (7 bits),
  // fgd_score in 0..100 (7 bits), price_rank in 0..63 (0 = cheapest), host_cost in whole units
  // clamped to 0..4095, ss_increase clamped to ±63, fill_decrease in 10-milli steps clamped to
  // ±2047.
  static double Combine(int pattern_loss, double fgd_score, int price_rank, double host_cost,
                        double ss_increase, double fill_decrease);
  // Change of Σ N(g)² when one device of `model` goes from free share `from` to `to`.
  static double SumOfSquaresIncrease(const Cluster& c, ModelId model, int from, int to);

 private:
  // Milli-devices of gap value on `n` that taking `c` (and the task's CPU) strands, given what
  // the node strands before (PatternPrices::StrandedValue of its current state).
  int StrandedLoss(const Node& n, const TaskDemand& t, const DeviceChoice& c,
                   double stranded_before) const;
  // Rank of `model` by price: the number of models with idle capacity that are cheaper. (The
  // order among the nodes offered for one task is the same as among its allowed models.)
  int PriceRank(ModelId model);

  WorkloadProfile profile_;
  FragmentationCache fgd_;   // F_n as FGD measures it
  FragmentationCache fill_;  // the look-ahead fragment
  HostPrices hosts_;          // shadow prices of hosting capacity, every shape
  PatternPrices patterns_;    // LP prices of share sizes, every shape
  const Cluster* cluster_ = nullptr;
  uint64_t price_version_ = ~uint64_t{0};
  std::vector<double> price_;  // per model, for the cluster at price_version_
};

}  // namespace suanli::sched
