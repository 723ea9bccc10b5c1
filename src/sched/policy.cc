#include "sched/policy.h"

#include "sched/bestfit_policy.h"
#include "sched/clustering_policy.h"
#include "sched/dotprod_policy.h"
#include "sched/fgd_policy.h"
#include "sched/packing_policy.h"
#include "sched/random_policy.h"
#include "sched/suanli_policy.h"

namespace suanli::sched {

const std::vector<std::string>& PolicyNames() {
  static const std::vector<std::string> names = {
      "suanli", "random", "dotprod", "clustering", "packing", "bestfit", "fgd"};
  return names;
}

Result<std::unique_ptr<PlacementPolicy>> MakePolicy(std::string_view name, PolicyContext ctx) {
  std::unique_ptr<PlacementPolicy> p;
  if (name == "suanli") p = std::make_unique<SuanliPolicy>(ctx.workload, ctx.every_shape);
  if (name == "random") p = std::make_unique<RandomPolicy>(ctx.seed);
  if (name == "dotprod") p = std::make_unique<DotProdPolicy>();
  if (name == "clustering") p = std::make_unique<ClusteringPolicy>();
  if (name == "packing") p = std::make_unique<PackingPolicy>();
  if (name == "bestfit") p = std::make_unique<BestFitPolicy>();
  if (name == "fgd") p = std::make_unique<FgdPolicy>(std::move(ctx.workload));
  if (!p) return Err(InvalidArgument("unknown policy " + std::string(name), "policy"));
  return p;
}

}  // namespace suanli::sched
