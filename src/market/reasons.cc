// Why an offer is not in a plan, in words a buyer understands. Each reason comes from the same
// Evaluate the matcher ranks with (match_context.cc).
#include <cstdio>
#include <ctime>

#include "market/match_context.h"

namespace suanli::market {

namespace {

std::string Fmt(const char* f, double a, double b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

std::string Yuan(int64_t fen) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "¥%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  return buf;
}

// "2026-12-01 14:00 UTC+8": China Standard Time, minutes.
std::string Cst(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000 + 8 * 3600);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC+8", &tm);
  return buf;
}

std::string Shape(int devices, int milli, int cpu, int64_t mem) {
  std::string s;
  if (devices > 0) s = std::to_string(devices) + (devices == 1 ? " accelerator" : " accelerators");
  else if (milli > 0) s = std::to_string(milli) + "/1000 of an accelerator";
  if (cpu > 0) s += (s.empty() ? "" : ", ") + std::to_string(cpu) + " cores";
  if (mem > 0) s += (s.empty() ? "" : ", ") + std::to_string(mem) + " GiB";
  return s;
}

}  // namespace

std::string MatchResult::ReasonFor(uint32_t i) const {
  if (!planned_.empty() && planned_[i]) return "";
  const MatchContext& c = *ctx_;
  const OfferColumns& col = c.index->columns();
  const ModelInfo& m = c.index->model_of(i);
  const domain::Job& j = c.req.job;
  const Eval e = c.req.service ? c.Evaluate(i, 1, false) : c.Evaluate(i, c.tasks);
  switch (e.why) {
    case Why::kNeedsAccelerators:
      return "sells CPU only; the job needs accelerators";
    case Why::kCpuOnly:
      return "sells accelerators; the job needs CPU only";
    case Why::kWrongEcosystem: {
      std::string have;
      for (const auto& [eco, cmd] : j.commands) have += (have.empty() ? "" : ", ") + eco;
      return "wrong ecosystem: " + m.id + " runs " + m.ecosystem + "; the job runs on " + have;
    }
    case Why::kModelNotAllowed:
      return "model " + m.id + " is not among the job's accelerators";
    case Why::kTooLittleMemory:
      return Fmt("too little memory: %g GiB per device < %g GiB", m.memory_gib,
                 j.accelerators.min_memory_gib);
    case Why::kTooFar:
      return Fmt("too far: %.1f ms > %g ms", c.LatencyOf(i), c.latency_limit_ms);
    case Why::kUnitTooSmall:
      return "a unit (" + Shape(col.unit_devices[i], 0, col.unit_cpu[i], col.unit_memory_gib[i]) +
             ") cannot hold one task (" +
             Shape(c.task_devices, c.task_devices ? 0 : c.task_milli, c.task_cpu, c.task_memory) + ")";
    case Why::kSpotForHigh:
      return std::string("spot capacity can be reclaimed; ") +
             (c.req.service ? "a long-running service" : "a high-priority job") +
             " needs on-demand or reserved";
    case Why::kTooFewUnits:
      return "too small: the job needs " + std::to_string(e.units) + " units, the offer has " +
             std::to_string(col.quantity[i]) +
             (c.req.allow_split ? "" : " (allow splitting to combine offers)");
    case Why::kNotAvailable:
      return col.until_ms[i] != 0 && std::max(c.now_ms, col.from_ms[i]) >= col.until_ms[i]
                 ? "not available: the offer ended " + Cst(col.until_ms[i])
                 : "not available long enough: the offer ends " + Cst(col.until_ms[i]) +
                       ", before the job would finish";
    case Why::kNoCapacity:
      return "no capacity: " + std::to_string(col.free_units[i]) + " of " +
             std::to_string(e.units) + " units free now, not enough " +
             (col.until_ms[i] != 0 ? "before " + Cst(col.until_ms[i]) : "at any known time");
    case Why::kMissesDeadline:
      return "misses the deadline: would finish " +
             Cst(e.start_ms + static_cast<int64_t>(e.runtime_s * 1000)) + ", deadline " +
             Cst(c.deadline_ms);
    case Why::kOverBudget:
      return "over budget: " + Yuan(e.cost_fen - e.subsidy_fen) + " > " + Yuan(c.budget_fen);
    case Why::kOk:
      break;
  }
  if (plans_.empty())
    return c.req.service ? "usable, but the sites within reach cannot hold " +
                               std::to_string(c.tasks) + " replicas with room for failover"
                         : "feasible, but no plan was formed with it";
  if (c.req.service) return "feasible, but the plans use cheaper sites";
  if (plans_.front().kind == PlanKind::kSplit) return "feasible, but not needed for the split plan";
  return "feasible, but ranked below the " + std::to_string(plans_.size()) + " plans shown" +
         Fmt(" (score %.0f >= %.0f)", e.score, plans_.back().score);
}

}  // namespace suanli::market
