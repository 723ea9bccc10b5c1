// Internal to the matcher: a request turned into per-model and per-site verdicts and per-task
// numbers, and the one function that evaluates an offer for a number of tasks. Everything the
// matcher ranks and every reason it gives comes from Evaluate, so they cannot disagree.
#pragma once

#include <vector>

#include "market/matcher.h"

namespace suanli::market {

enum class Why : uint8_t {
  kOk,
  kNeedsAccelerators,  // CPU offer, job needs devices
  kCpuOnly,            // accelerator offer, job needs none
  kWrongEcosystem,
  kModelNotAllowed,
  kTooLittleMemory,
  kTooFar,
  kUnitTooSmall,
  kSpotForHigh,
  kTooFewUnits,
  kNotAvailable,
  kNoCapacity,
  kMissesDeadline,
  kOverBudget,
};

// Index of "spot" in domain::kBillingModes.
inline constexpr uint8_t kSpotBilling = 2;

struct Eval {
  Why why = Why::kOk;
  int tasks_per_unit = 0;
  int64_t units = 0;
  int64_t start_ms = 0;
  double runtime_s = 0;
  int64_t cost_fen = 0;
  int64_t subsidy_fen = 0;
  int subsidy = -1;  // index into the request's subsidies
  double score = 0;
};

struct MatchContext {
  std::shared_ptr<const OfferIndex> index;
  MatchRequest req;
  int tasks = 1;
  int task_devices = 0;   // whole devices per task
  int task_milli = 0;     // device share per task in thousandths (1000 × devices, or milli)
  int task_cpu = 0;
  int64_t task_memory = 0;
  bool needs_accelerators = false;
  double duration_s = 3600;
  int64_t now_ms = 0;
  int64_t deadline_ms = 0;  // 0: none
  int64_t budget_fen = 0;   // 0: none
  double latency_limit_ms = 0;
  const OfferIndex::Geo* geo = nullptr;
  double wait_weight = 0.25;
  bool high_priority = false;  // high priority or a service: may not run on spot capacity
  std::vector<int64_t> max_share_bps;  // per model: the largest voucher share its offers may get
  std::vector<Why> model_why;   // per model
  std::vector<uint8_t> site_ok; // per site (latency)
  size_t sites_ok = 0;
  std::vector<uint8_t> model_in_time;  // per model: can finish by the deadline if started now

  // Evaluates offer i holding `tasks` tasks. `whole` = the plan must fit in this offer's
  // quantity (single plans); parts of split and service plans pass false and a `tasks` that
  // fits. `check_budget` is off for parts (the budget applies to the whole plan).
  Eval Evaluate(uint32_t i, int tasks, bool check_budget = true) const;
  // Tasks one unit of offer i holds (0: a task does not fit).
  int TasksPerUnit(uint32_t i) const;
  double LatencyOf(uint32_t i) const;
  NetTier TierOf(uint32_t i) const;
};

// The offers a request could use, lowest lower bound first: per model whose ecosystem,
// memory and speed (against the deadline) can serve the request, either the (model, site)
// buckets of the sites within the latency limit when those are few, or the (model, size
// class) buckets big enough for a task (and, for `whole`, for the whole job).
class Walk {
 public:
  Walk(const MatchContext& c, bool whole);
  // The next offer and its lower bound on score; false when none is left.
  bool Next(uint32_t* offer, double* bound);

 private:
  struct Cursor {
    uint32_t pos, end;
    const std::vector<uint32_t>* order;
    double factor;  // lower bound = price key × factor
  };
  void Add(uint32_t begin, uint32_t end, const std::vector<uint32_t>* order, double factor);
  const MatchContext& c_;
  bool check_site_ = false;
  std::vector<Cursor> cursors_;
  std::vector<std::pair<double, uint32_t>> heap_;
};

// Builds the context; errors for an unknown city with a latency limit.
Result<std::shared_ptr<MatchContext>> MakeContext(std::shared_ptr<const OfferIndex> index,
                                                          const MatchRequest& req);

PlanPart PartOf(const MatchContext& c, uint32_t offer, int tasks, const Eval& e);
Plan PlanOf(const MatchContext& c, PlanKind kind, std::vector<PlanPart> parts);

// Split and service planners (plan_builders.cc). They append to `plans`.
// Both walk offers cheapest first (Walk): a split takes what each offer can hold now until the
// job is covered; a service collects usable offers per site until kMaxServiceSites sites could
// each hold an even share over all of them, then tries spreads over 2..8 sites.
inline constexpr int kMaxServiceSites = 8;
void AddSplitPlan(const MatchContext& c, std::vector<Plan>* plans, size_t* examined);
void AddServicePlans(const MatchContext& c, std::vector<Plan>* plans, size_t* examined);

}  // namespace suanli::market
