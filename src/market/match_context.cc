#include "market/match_context.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace suanli::market {

namespace {

double WaitWeight(const std::string& priority) {
  if (priority == "high") return 1.0;
  if (priority == "normal") return 0.25;
  if (priority == "spot") return 0.05;
  return 0.01;
}

bool Listed(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

Result<std::shared_ptr<MatchContext>> MakeContext(std::shared_ptr<const OfferIndex> index,
                                                          const MatchRequest& req) {
  auto c = std::make_shared<MatchContext>();
  const domain::Job& j = req.job;
  c->index = index;
  c->req = req;
  c->tasks = std::max(j.tasks, 1);
  c->task_devices = j.accelerators.count;
  c->task_milli = j.accelerators.count > 0 ? j.accelerators.count * 1000 : j.accelerators.milli;
  c->needs_accelerators = c->task_milli > 0;
  c->task_cpu = j.cpu_cores;
  c->task_memory = j.memory_gib;
  if (!c->needs_accelerators && c->task_cpu <= 0)
    return Err(InvalidArgument("a task needs CPU cores or accelerators", "cpu_cores"));
  c->duration_s = static_cast<double>(std::max<int64_t>(j.duration_estimate_s, 1));
  c->now_ms = index->now().ms;
  c->deadline_ms = j.deadline.ms;
  c->budget_fen = j.budget_fen;
  c->latency_limit_ms = j.latency_limit_ms;
  c->wait_weight = WaitWeight(j.priority);
  c->high_priority = j.priority == "high" || req.service;
  if (!j.location_city.empty()) {
    auto g = index->GeoFrom(j.location_city);
    if (g) c->geo = *g;
    else if (j.latency_limit_ms > 0) return Err(InvalidArgument(g.error().message(), "location_city"));
  } else if (j.latency_limit_ms > 0) {
    return Err(InvalidArgument("a latency limit needs location_city", "location_city"));
  }

  const auto& models = index->models();
  // The largest voucher share any offer of a model could get (by the programmes' kinds).
  c->max_share_bps.assign(models.size(), 0);
  for (size_t m = 0; m < models.size(); ++m)
    for (const Subsidy& s : req.subsidies) {
      bool kind = s.kinds.empty();
      for (size_t k = 0; k < domain::kKinds.size(); ++k)
        if ((models[m].kinds >> k & 1) && std::find(s.kinds.begin(), s.kinds.end(), domain::kKinds[k]) != s.kinds.end())
          kind = true;
      if (kind) c->max_share_bps[m] = std::clamp<int64_t>(s.share_bps, c->max_share_bps[m], 10000);
    }
  c->model_why.assign(models.size(), Why::kOk);
  for (size_t m = 0; m < models.size(); ++m) {
    const ModelInfo& mi = models[m];
    Why& w = c->model_why[m];
    const bool cpu_offer = mi.id.empty();
    if (c->needs_accelerators && cpu_offer) w = Why::kNeedsAccelerators;
    else if (!c->needs_accelerators && !cpu_offer) w = Why::kCpuOnly;
    else if (!cpu_offer && !j.commands.count(mi.ecosystem))
      w = Why::kWrongEcosystem;
    else if (!cpu_offer && !j.accelerators.any_of.empty() &&
             std::find(j.accelerators.any_of.begin(), j.accelerators.any_of.end(), mi.id) ==
                 j.accelerators.any_of.end())
      w = Why::kModelNotAllowed;
    else if (!cpu_offer && mi.memory_gib < j.accelerators.min_memory_gib)
      w = Why::kTooLittleMemory;
  }
  c->site_ok.assign(index->sites(), 1);
  if (c->latency_limit_ms > 0)
    for (size_t s = 0; s < index->sites(); ++s)
      c->site_ok[s] = c->geo->latency_ms[s] <= c->latency_limit_ms;
  for (uint8_t ok : c->site_ok) c->sites_ok += ok;
  c->model_in_time.assign(models.size(), 1);
  if (c->deadline_ms != 0)
    for (size_t m = 0; m < models.size(); ++m) {
      const double runtime = c->duration_s / models[m].speed[static_cast<int>(req.workload)].vs_reference;
      c->model_in_time[m] = c->now_ms + static_cast<int64_t>(std::ceil(runtime * 1000)) <= c->deadline_ms;
    }
  return c;
}

Walk::Walk(const MatchContext& c, bool whole) : c_(c) {
  const OfferIndex& x = *c.index;
  const double per_task = c.needs_accelerators ? c.task_milli / 1000.0 : c.task_cpu;
  const int64_t unit_need = c.needs_accelerators ? std::max(c.task_devices, 1) : c.task_cpu;
  const int64_t total_need =
      whole ? static_cast<int64_t>(std::ceil(per_task * c.tasks)) : unit_need;
  const bool by_site = c.latency_limit_ms > 0 && c.sites_ok * 6 < x.sites();
  check_site_ = c.latency_limit_ms > 0 && !by_site;
  for (uint16_t m = 0; m < x.models().size(); ++m) {
    if (c.model_why[m] != Why::kOk || !c.model_in_time[m]) continue;
    const double hours =
        c.duration_s / x.models()[m].speed[static_cast<int>(c.req.workload)].vs_reference / 3600.0;
    const double share_left = (10000 - c.max_share_bps[m]) / 10000.0;
    const double factor = per_task * c.tasks * hours * share_left;
    // A plan buys whole units: in size class u it pays for at least 2^u devices (cores).
    auto class_factor = [&](int u) {
      return whole ? std::max(per_task * c.tasks, static_cast<double>(int64_t{1} << u)) * hours * share_left
                   : factor;
    };
    if (by_site) {
      for (uint16_t s = 0; s < x.sites(); ++s) {
        if (!c.site_ok[s]) continue;
        auto [b, e] = x.model_site_range(m, s);
        Add(b, e, &x.by_model_site(), factor);
      }
      continue;
    }
    for (int bill = 0; bill < OfferIndex::kBillings; ++bill) {
      if (c.high_priority && bill == kSpotBilling) continue;
      for (int u = 0; u < OfferIndex::kUnitClasses; ++u) {
        if ((int64_t{2} << u) - 1 < unit_need) continue;  // every unit here is smaller than a task
        for (int t = 0; t < OfferIndex::kTotalClasses; ++t) {
          if ((int64_t{2} << t) - 1 < total_need) continue;
          auto [b, e] = x.class_range(m, bill, u, t);
          if (b >= e) continue;
          // A reserved plan pays at least the shortest term in the class.
          const double term_h = 24.0 * x.class_min_term(m, bill, u, t);
          const double stretch = whole && term_h > hours ? term_h / hours : 1.0;
          Add(b, e, &x.by_class(), class_factor(u) * stretch);
        }
      }
    }
  }
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void Walk::Add(uint32_t begin, uint32_t end, const std::vector<uint32_t>* order, double factor) {
  if (begin >= end) return;
  heap_.push_back({c_.index->unit_price_key((*order)[begin]) * factor,
                   static_cast<uint32_t>(cursors_.size())});
  cursors_.push_back({begin, end, order, factor});
}

bool Walk::Next(uint32_t* offer, double* bound) {
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    const auto [b, ci] = heap_.back();
    Cursor& cu = cursors_[ci];
    const uint32_t i = (*cu.order)[cu.pos];
    if (++cu.pos < cu.end) {
      heap_.back() = {c_.index->unit_price_key((*cu.order)[cu.pos]) * cu.factor, ci};
      std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    } else {
      heap_.pop_back();
    }
    if (check_site_ && !c_.site_ok[c_.index->columns().site[i]]) continue;
    *offer = i;
    *bound = b;
    return true;
  }
  return false;
}

double MatchContext::LatencyOf(uint32_t i) const {
  return geo ? geo->latency_ms[index->columns().site[i]] : -1;
}

NetTier MatchContext::TierOf(uint32_t i) const {
  return geo ? static_cast<NetTier>(geo->tier[index->columns().site[i]]) : NetTier::kNational;
}

int MatchContext::TasksPerUnit(uint32_t i) const {
  const OfferColumns& col = index->columns();
  int64_t fit = INT32_MAX;
  if (needs_accelerators) {
    const int64_t dev = col.unit_devices[i];
    fit = task_devices > 0 ? dev / task_devices : dev * (1000 / task_milli);
  }
  if (task_cpu > 0 && col.unit_cpu[i] > 0) fit = std::min<int64_t>(fit, col.unit_cpu[i] / task_cpu);
  if (task_memory > 0 && col.unit_memory_gib[i] > 0)
    fit = std::min<int64_t>(fit, col.unit_memory_gib[i] / task_memory);
  return static_cast<int>(std::min<int64_t>(fit, INT32_MAX));
}

Eval MatchContext::Evaluate(uint32_t i, int n_tasks, bool check_budget) const {
  const OfferColumns& col = index->columns();
  const OfferInfo& info = index->offer(i);
  Eval e;
  if ((e.why = model_why[col.model[i]]) != Why::kOk) return e;
  if (!site_ok[col.site[i]]) return e.why = Why::kTooFar, e;
  e.tasks_per_unit = TasksPerUnit(i);
  if (e.tasks_per_unit <= 0) return e.why = Why::kUnitTooSmall, e;
  if (high_priority && col.billing[i] == kSpotBilling) return e.why = Why::kSpotForHigh, e;
  e.units = (n_tasks + e.tasks_per_unit - 1) / e.tasks_per_unit;
  if (e.units > col.quantity[i]) return e.why = Why::kTooFewUnits, e;
  const int64_t from = std::max(now_ms, col.from_ms[i]);
  const int64_t until = col.until_ms[i];
  if (until != 0 && from >= until) return e.why = Why::kNotAvailable, e;
  int64_t free = col.free_units[i];
  e.start_ms = from;
  if (free < e.units) {
    e.start_ms = -1;
    for (uint32_t r = col.release_begin[i]; r < col.release_begin[i + 1]; ++r) {
      free += col.releases[r].units;
      if (free >= e.units) {
        e.start_ms = std::max(from, col.releases[r].at.ms);
        break;
      }
    }
    if (e.start_ms < 0 || (until != 0 && e.start_ms >= until)) return e.why = Why::kNoCapacity, e;
  }
  const Speed& sp = index->model_of(i).speed[static_cast<int>(req.workload)];
  e.runtime_s = duration_s / sp.vs_reference;
  const int64_t finish = e.start_ms + static_cast<int64_t>(std::ceil(e.runtime_s * 1000));
  if (until != 0 && finish > until) return e.why = Why::kNotAvailable, e;
  if (deadline_ms != 0 && finish > deadline_ms) return e.why = Why::kMissesDeadline, e;
  double hours = e.runtime_s / 3600.0;
  if (col.term_days[i] > 0) hours = std::max(hours, col.term_days[i] * 24.0);
  e.cost_fen = static_cast<int64_t>(std::ceil(static_cast<double>(col.price[i]) * e.units * hours));
  const std::string& supplier = info.offer.org_id;
  if (!req.subsidies.empty() && supplier != req.buyer_org &&
      (req.buyer_group.empty() || req.buyer_group != info.supplier_group)) {
    const std::string& province = index->site(col.site[i]).province;
    for (size_t s = 0; s < req.subsidies.size(); ++s) {
      const Subsidy& sub = req.subsidies[s];
      if (sub.left_fen <= 0 || !Listed(sub.providers, supplier) ||
          !Listed(sub.kinds, info.offer.kind) || !Listed(sub.regions, province))
        continue;
      e.subsidy_fen = std::min(e.cost_fen * sub.share_bps / 10000, sub.left_fen);
      e.subsidy = static_cast<int>(s);
      break;
    }
  }
  const int64_t pay = e.cost_fen - e.subsidy_fen;
  if (check_budget && budget_fen > 0 && pay > budget_fen) return e.why = Why::kOverBudget, e;
  const double risk = 1.0 - std::pow(static_cast<double>(col.reliability[i]), static_cast<double>(e.units));
  const double wait_h = (e.start_ms - now_ms) / 3.6e6;
  const double run_h = std::max(e.runtime_s / 3600.0, 1.0 / 60);
  e.score = (static_cast<double>(pay) + 1.0) * (1.0 + risk) * (1.0 + wait_weight * wait_h / run_h);
  return e;
}

PlanPart PartOf(const MatchContext& c, uint32_t offer, int tasks, const Eval& e) {
  PlanPart p;
  p.offer = offer;
  p.tasks = tasks;
  p.units = e.units;
  p.start = {e.start_ms};
  p.runtime_s = e.runtime_s;
  p.cost_fen = e.cost_fen;
  p.subsidy_fen = e.subsidy_fen;
  if (e.subsidy >= 0) p.programme = c.req.subsidies[e.subsidy].programme;
  p.latency_ms = c.LatencyOf(offer);
  p.tier = c.TierOf(offer);
  p.score = e.score;
  return p;
}

Plan PlanOf(const MatchContext& c, PlanKind kind, std::vector<PlanPart> parts) {
  Plan p;
  p.kind = kind;
  p.parts = std::move(parts);
  p.reliability = 1;
  p.speed_vs_reference = 1e300;
  const int w = static_cast<int>(c.req.workload);
  for (const PlanPart& part : p.parts) {
    const ModelInfo& m = c.index->model_of(part.offer);
    p.cost_fen += part.cost_fen;
    p.subsidy_fen += part.subsidy_fen;
    p.score += part.score;
    if (p.start.ms == 0 || part.start.ms > p.start.ms) p.start = part.start;
    const int64_t end = part.start.ms + static_cast<int64_t>(std::ceil(part.runtime_s * 1000));
    p.finish.ms = std::max(p.finish.ms, end);
    p.speed_vs_reference = std::min(p.speed_vs_reference, m.speed[w].vs_reference);
    p.speed_known = p.speed_known && m.speed[w].known;
    const double devices = c.needs_accelerators ? part.tasks * c.task_milli / 1000.0 : 0;
    p.effective_pflops += devices * m.speed[w].tflops / 1000.0;
    p.reliability = std::min(p.reliability, static_cast<double>(c.index->columns().reliability[part.offer]));
  }
  if (p.parts.empty()) p.speed_vs_reference = 0;
  return p;
}

}  // namespace suanli::market
