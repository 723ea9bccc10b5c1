// One-click match (一键匹配): for what a job needs, the ranked plans that can run it across all
// providers, and for every offer not chosen, why.
//
// Ranking: a plan's score is its expected cost in fen after the buyer's vouchers, scaled up by
// its risk (a unit failing during the run) and by its wait (expected start, weighted by the
// job's priority); lower is better. Runtime on a card is the job's duration estimate (taken on
// the reference card) divided by the card's speed for the job's workload (speed.h), so slow or
// unknown hardware costs more hours. docs/market.md has the formulas.
//
// Speed: offers sit in buckets by model (and by model and site), each ordered by price per
// device-hour. The matcher walks the buckets whose model and site can serve the job, cheapest
// first, and stops once the next offer's lower bound on score cannot beat the worst plan it
// keeps. Reasons for offers it never looked at are computed on demand (ReasonFor), from the
// same checks, so they are exact.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "market/offer_index.h"

namespace suanli::market {

// A buyer's compute vouchers as the matcher sees them: share of the bill and money left,
// restricted to suppliers / kinds / regions (provinces) when those lists are non-empty.
struct Subsidy {
  std::string programme;
  int64_t share_bps = 0;
  int64_t left_fen = 0;  // min(cap left for this buyer, programme budget left)
  std::vector<std::string> providers, kinds, regions;
};

struct MatchRequest {
  domain::Job job;                     // tasks, per-task needs, commands (ecosystems), limits
  Workload workload = Workload::kTraining;
  bool allow_split = false;            // the tasks may run as independent parts on several sites
  bool service = false;                // long-running replicas: spread with failover room
  size_t max_plans = 5;
  std::string buyer_org, buyer_group;  // related parties get no voucher
  std::vector<Subsidy> subsidies;      // in the order the ledger applies them
};

enum class PlanKind { kSingle, kSplit, kService };
std::string_view PlanKindName(PlanKind k);  // "single", "split", "service"

struct PlanPart {
  uint32_t offer = 0;
  int tasks = 0;           // tasks (replicas) placed under this offer
  int64_t units = 0;       // offer units bought
  Timestamp start;         // expected start
  double runtime_s = 0;    // expected run time on this hardware (billed hours may be more)
  int64_t cost_fen = 0;    // before vouchers
  int64_t subsidy_fen = 0; // vouchers
  std::string programme;   // the voucher programme that pays, "" when none
  double latency_ms = -1;  // from the buyer's city; -1 when no city given
  NetTier tier = NetTier::kNational;
  double score = 0;
};

struct Plan {
  PlanKind kind = PlanKind::kSingle;
  std::vector<PlanPart> parts;
  int64_t cost_fen = 0, subsidy_fen = 0;
  Timestamp start, finish;
  double speed_vs_reference = 0;  // per device (lowest of the parts)
  bool speed_known = true;
  double effective_pflops = 0;    // devices × per-device peak in the workload's precision
  double reliability = 0;         // lowest of the parts
  int failover_replicas = 0;      // service plans: replicas beyond the N asked for
  double score = 0;               // lower is better
};

class Matcher;
struct MatchContext;  // match_context.h

// The answer: ranked plans, and the reason of any other offer. Holds the index alive.
class MatchResult {
 public:
  const std::vector<Plan>& plans() const { return plans_; }
  // Why offer i is not in a plan ("" when it is). O(1) per call.
  std::string ReasonFor(uint32_t offer) const;
  // Every offer not in a plan with its reason, in offer order.
  std::vector<std::pair<uint32_t, std::string>> Rejected() const;
  size_t examined() const { return examined_; }  // offers the search evaluated

 private:
  friend class Matcher;
  std::shared_ptr<const MatchContext> ctx_;
  std::vector<Plan> plans_;
  std::vector<uint8_t> planned_;  // per offer, 1 when in a plan (empty: none)
  size_t examined_ = 0;
};

class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const OfferIndex> index) : index_(std::move(index)) {}
  // Errors: an unknown buyer city with a latency limit; nothing to run (no CPU and no devices).
  Result<MatchResult> Match(const MatchRequest& req) const;
  const OfferIndex& index() const { return *index_; }

 private:
  std::shared_ptr<const OfferIndex> index_;
};

}  // namespace suanli::market
