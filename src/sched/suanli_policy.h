// Our default policy, "suanli": FGD's decision, refined where FGD cannot tell placements apart.
//
// FGD (fgd_policy.h) scores a placement by how much it grows the node's expected fragmentation
// F_n, as the integer floor(100 * sigmoid(ΔF / 1000)). Near ΔF = 0 one integer step is about
// 40 milli-GPU, so most decisions are ties between many nodes, and the published method breaks
// them by a fixed node rank. We keep FGD's integer score as the first key (so wherever FGD sees a
// difference we decide as FGD does) and replace the arbitrary part of the decision with three
// finer keys, from the cluster state, the task and the typical-shape profile only:
//  1. Model price (scarce models): the price of a model's idle capacity is the GPU volume of the
//     typical shapes allowed on it, each divided by the idle capacity of all models that shape
//     may use. A model that constrained demand needs, and that has little idle capacity left,
//     is dear; work goes to the cheapest allowed model first (key: rank of the node's model by
//     price). Without model constraints all prices are equal and the key is silent.
//  2. Sum of squares (Csirik, Johnson, Kenyon, Orlin, Shor, Weber, JACM 2006): devices are bins
//     of 1000 milli; N(g) counts the partly used devices of the node's model with free share g
//     (cluster-wide). A share moving a device from f to f - s changes Σ N(g)² by
//     2(N(f - s) - N(f)) + 2 (fully free and full devices are not counted); the least increase
//     wins. It keeps the gaps the cluster has spread over many sizes, so that later shares find
//     a gap they fill, and it sees the whole cluster where FGD sees one node.
//  3. Look-ahead fragment (WorkloadProfile::FillFragmentation): per typical shape, the idle GPU
//     that *repeated* copies of the shape could not fill, limited by the free devices and by the
//     free CPU. The placement that grows it least wins. Then the node rank.
// Tried and rejected (see docs/scheduling.md): the look-ahead measure as the *first* key, SS as
// the first key, weighting shapes by GPU volume in FGD's key, best fit as a last key.
#pragma once

#include <vector>

#include "sched/fgd_policy.h"
#include "sched/host_prices.h"
#include "sched/policy.h"

namespace suanli::sched {

class SuanliPolicy final : public PlacementPolicy {
 public:
  // `profile`: the typical shapes (FGD's 95%); `every_shape`: all shapes seen (empty: the
  // hosting price key is silent).
  explicit SuanliPolicy(WorkloadProfile profile, WorkloadProfile every_shape = {})
      : profile_(std::move(profile)),
        fgd_(&profile_),
        fill_(&profile_, /*fill=*/true),
        hosts_(std::move(every_shape)) {}
  std::string_view name() const override { return "suanli"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;
  void Bind(const Cluster* cluster) override {
    cluster_ = cluster;
    hosts_.Bind(cluster);
  }
  // Takes new profiles: the fragment caches and the model prices are dropped, the hosting
  // prices are rebuilt over `every_shape` and re-counted over the bound cluster.
  void SetWorkload(const WorkloadProfile& typical, const WorkloadProfile& every_shape) override;
  const WorkloadProfile& profile() const { return profile_; }
  const HostPrices& host_prices() const { return hosts_; }

  // The five keys combined into one double, exact (53 bits): fgd_score in 0..100 (7 bits),
  // price_rank in 0..63 (0 = cheapest), host_cost in whole units clamped to 0..4095,
  // ss_increase clamped to ±2047, fill_decrease clamped to ±32767.
  static double Combine(double fgd_score, int price_rank, double host_cost, double ss_increase,
                        double fill_decrease);
  // Change of Σ N(g)² when one device of `model` goes from free share `from` to `to`.
  static double SumOfSquaresIncrease(const Cluster& c, ModelId model, int from, int to);

 private:
  // Rank of `model` by price: the number of models with idle capacity that are cheaper. (The
  // order among the nodes offered for one task is the same as among its allowed models.)
  int PriceRank(ModelId model);

  WorkloadProfile profile_;
  FragmentationCache fgd_;   // F_n as FGD measures it
  FragmentationCache fill_;  // the look-ahead fragment
  HostPrices hosts_;          // shadow prices of hosting capacity, every shape
  const Cluster* cluster_ = nullptr;
  uint64_t price_version_ = ~uint64_t{0};
  std::vector<double> price_;  // per model, for the cluster at price_version_
};

}  // namespace suanli::sched
