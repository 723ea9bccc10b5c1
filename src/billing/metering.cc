#include "billing/metering.h"

#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <limits>

namespace suanli::billing {

using domain::Job;
using domain::Offer;
using ledger::Fen;

namespace {

int64_t EnvInt(const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n < lo || n > hi) {
    std::fprintf(stderr, "suanli: ignoring %s=%s (want %lld..%lld)\n", name, v,
                 static_cast<long long>(lo), static_cast<long long>(hi));
    return fallback;
  }
  return n;
}

int64_t FloorTo(int64_t ms, int64_t step) { return ms - ((ms % step) + step) % step; }

bool Ended(const std::string& state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

// The accelerator model of the node the job's first task runs on ("" when none or CPU only).
std::string PlacedModel(const control::Registry& reg, const Job& job) {
  if (job.accelerators.count == 0 && job.accelerators.milli == 0) return "";
  if (job.placement.empty()) return "";
  auto node = reg.Get<domain::Node>(job.placement.front().node_id);
  if (!node || node->obj->accelerators.empty()) return "";
  return node->obj->accelerators.front().model;
}

// The job's offer: its own, else the cheapest active offer of its pool for the accelerator model
// it runs on (else the cheapest active offer of the pool).
std::shared_ptr<const Offer> OfferFor(const control::Registry& reg, const Job& job) {
  if (!job.offer_id.empty()) {
    if (auto o = reg.Get<Offer>(job.offer_id)) return o->obj;
  }
  if (job.pool_id.empty()) return nullptr;
  const std::string model = PlacedModel(reg, job);
  std::shared_ptr<const Offer> exact, any;
  reg.ForEach<Offer>([&](const control::Entry<Offer>& e) {
    const Offer& o = *e.obj;
    if (o.pool_id != job.pool_id || o.state != "active") return;
    auto cheaper = [&](const std::shared_ptr<const Offer>& best) {
      return !best || o.price_fen_per_hour < best->price_fen_per_hour;
    };
    if (o.accelerator_model == model && cheaper(exact)) exact = e.obj;
    if (cheaper(any)) any = e.obj;
  });
  return exact ? exact : any;
}

// Thousandths of the offer's unit that the job uses.
int64_t UnitsMilli(const Job& job, const Offer& o) {
  const int64_t tasks = std::max(job.tasks, 1);
  const int64_t acc_milli =
      tasks * (job.accelerators.count > 0 ? job.accelerators.count * 1000LL
                                          : static_cast<int64_t>(job.accelerators.milli));
  int64_t units = tasks * 1000;
  if (o.accelerator_count > 0 && acc_milli > 0) {
    units = acc_milli / o.accelerator_count;
  } else if (o.cpu_cores > 0) {
    units = tasks * std::max(job.cpu_cores, 1) * 1000LL / o.cpu_cores;
  }
  return std::max<int64_t>(units, 1);
}

ledger::BillingMode ModeOf(const std::string& m) {
  if (m == "reserved") return ledger::BillingMode::kReserved;
  if (m == "spot") return ledger::BillingMode::kSpot;
  return ledger::BillingMode::kOnDemand;
}

}  // namespace

MeteringOptions MeteringOptions::FromEnv() {
  MeteringOptions o;
  o.interval = std::chrono::seconds(EnvInt("SUANLI_BILLING_INTERVAL_S", 60, 1, 60));
  o.fee_bps = EnvInt("SUANLI_BILLING_FEE_BPS", o.fee_bps, 0, 10000);
  return o;
}

Result<ledger::UsageRecord> RecordFor(const control::Registry& reg, const Job& job,
                                      Timestamp from, Timestamp to) {
  std::shared_ptr<const Offer> offer = OfferFor(reg, job);
  if (!offer) return Err(NotFound("no active offer prices job " + job.id, "offer_id"));
  ledger::UsageRecord r;
  r.job = job.id;
  r.allocation = job.id;
  r.offer = offer->id;
  r.buyer = job.org_id;
  r.supplier = job.supplier_org_id;
  auto pool = reg.Get<domain::Pool>(offer->pool_id);
  if (r.supplier.empty() && pool) r.supplier = pool->obj->org_id;
  if (r.supplier.empty()) r.supplier = offer->org_id;
  if (auto b = reg.Get<domain::Org>(r.buyer)) r.buyer_group = b->obj->group;
  if (auto s = reg.Get<domain::Org>(r.supplier)) r.supplier_group = s->obj->group;
  r.kind = !offer->kind.empty() ? offer->kind : (pool ? pool->obj->kind : "");
  const std::string site_id = !offer->site_id.empty() ? offer->site_id
                              : pool                  ? pool->obj->site_id
                                                      : "";
  if (auto site = reg.Get<domain::Site>(site_id)) r.region = site->obj->province;
  r.mode = ModeOf(offer->billing_mode);
  r.from = from;
  r.to = to;
  r.failed = job.state == "failed" && to.ms >= job.finished_at.ms - 999;
  r.sla_credit_bps = std::clamp<int64_t>(std::llround(offer->sla_credit_pct * 100), 0, 10000);
  r.items = {{offer->accelerator_model.empty() ? "cpu" : "accelerator:" + offer->accelerator_model,
              UnitsMilli(job, *offer), Fen(offer->price_fen_per_hour)}};
  return r;
}

Metering::Metering(const control::Registry* reg, ledger::Ledger* ledger, const Clock* clock,
                   MeteringOptions options)
    : reg_(reg), ledger_(ledger), clock_(clock), options_(options) {
  meter_.fee_bps = options.fee_bps;
}

Metering::~Metering() { Stop(); }

void Metering::Note(const ledger::Entry& usage, const ledger::Entry* voucher) {
  const std::string job(ledger::Attr(usage, "job"));
  const int64_t to = ledger::AttrInt(usage, "to_ms");
  int64_t& metered = metered_to_[job];
  metered = std::max(metered, to);
  if (!ledger::Attr(usage, "attempt").empty()) {
    settled_[job].insert(static_cast<int>(ledger::AttrInt(usage, "attempt")));
    return;
  }
  Billed& b = billed_[job][ledger::AttrInt(usage, "from_ms")];
  b.seq = usage.seq;
  b.to_ms = to;
  b.has_lines = !usage.lines.empty();
  if (voucher) b.voucher_seq = voucher->seq;
}

Status Metering::Recover() {
  metered_to_.clear();
  billed_.clear();
  settled_.clear();
  std::map<int64_t, std::pair<std::string, int64_t>> usage_at;  // seq -> (job, from ms)
  std::map<int64_t, int64_t> voucher_of;                        // voucher seq -> usage seq
  auto find = [&](int64_t usage_seq) -> Billed* {
    auto u = usage_at.find(usage_seq);
    if (u == usage_at.end()) return nullptr;
    auto j = billed_.find(u->second.first);
    if (j == billed_.end()) return nullptr;
    auto b = j->second.find(u->second.second);
    return b == j->second.end() ? nullptr : &b->second;
  };
  SUANLI_RETURN_IF_ERROR(ledger_->Scan(1, 0, [&](const ledger::Entry& e) {
    switch (e.kind) {
      case ledger::EntryKind::kUsage:
        Note(e, nullptr);
        if (ledger::Attr(e, "attempt").empty()) {
          usage_at[e.seq] = {std::string(ledger::Attr(e, "job")), ledger::AttrInt(e, "from_ms")};
        }
        break;
      case ledger::EntryKind::kVoucher:
        if (Billed* b = find(e.ref)) {
          b->voucher_seq = e.seq;
          voucher_of[e.seq] = e.ref;
        }
        break;
      case ledger::EntryKind::kReversal:
        if (Billed* b = find(e.ref)) {
          b->reversed = true;
        } else if (auto v = voucher_of.find(e.ref); v != voucher_of.end()) {
          if (Billed* u = find(v->second)) u->voucher_reversed = true;
        }
        break;
      default: break;
    }
    return OkStatus();
  }));
  Prune();
  return OkStatus();
}

Status Metering::PlanSettle(const Job& job, const domain::Interruption& i,
                            std::vector<ledger::EntryDraft>* drafts) {
  static const BilledByFrom kNone;
  auto it = billed_.find(job.id);
  const Settlement s = PlanSettlement(i, it == billed_.end() ? kNone : it->second);
  const std::string cause = i.cause + " (attempt " + std::to_string(i.attempt) + ")";
  for (int64_t seq : s.reverse) {
    Status found = NotFound("no entry " + std::to_string(seq));
    SUANLI_RETURN_IF_ERROR(ledger_->Scan(seq, seq + 1, [&](const ledger::Entry& e) {
      ledger::EntryDraft d;
      d.kind = ledger::EntryKind::kReversal;
      d.key = "sla-reverse:" + e.key;
      d.ref = e.seq;
      d.memo = "not charged: provider-side failure of job " + job.id + ", " + cause;
      d.attrs = {{"job", job.id},
                 {"attempt", std::to_string(i.attempt)},
                 {"cause", i.cause},
                 {"buyer", std::string(ledger::Attr(e, "buyer"))},
                 {"supplier", std::string(ledger::Attr(e, "supplier"))}};
      for (const ledger::Line& l : e.lines) d.lines.push_back({l.account, -l.amount});
      drafts->push_back(std::move(d));
      found = OkStatus();
      return OkStatus();
    }));
    SUANLI_RETURN_IF_ERROR(found);
  }
  if (s.from_ms >= s.to_ms) return OkStatus();
  // Priced where the attempt ran (the requeued job no longer says).
  Job past = job;
  past.pool_id = i.pool_id;
  past.supplier_org_id = i.supplier_org_id;
  past.placement.assign(1, domain::Placement{});
  past.placement[0].node_id = i.node_id;
  Result<ledger::UsageRecord> r = RecordFor(*reg_, past, Timestamp{s.from_ms}, Timestamp{s.to_ms});
  if (!r) return r.error();
  r->attempt = i.attempt;
  r->lost_seconds = s.lost_s;
  r->billed_seconds_before = s.billed_before_s;
  r->failed = job.state == "failed" && i.attempt == job.restart_count;
  if (!i.provider_side()) r->sla_credit_bps = 0;
  Result<std::vector<ledger::EntryDraft>> d = ledger::MeterUsage(*r, meter_);
  if (!d) return d.error();
  for (auto& x : *d) drafts->push_back(std::move(x));
  return OkStatus();
}

PassStats Metering::RunOnce() {
  PassStats stats;
  const int64_t step = std::chrono::milliseconds(options_.interval).count();
  const int64_t now = clock_->Now().ms;
  std::vector<std::shared_ptr<const Job>> jobs;
  reg_->ForEach<Job>([&](const control::Entry<Job>& e) {
    const Job& j = *e.obj;
    if ((j.started_at.ms > 0 && (j.state == "running" || Ended(j.state))) ||
        !j.interruptions.empty()) {
      jobs.push_back(e.obj);
    }
  });
  std::vector<ledger::EntryDraft> drafts;
  std::vector<std::string> job_of;  // per draft
  for (const auto& job : jobs) {
    // Failed attempts first, in order: each is settled once.
    bool final_settled = false;
    const std::set<int>& done = settled_[job->id];
    for (const domain::Interruption& i : job->interruptions) {
      if (done.count(i.attempt) || i.started_at.ms <= 0 || i.failed_at.ms > now) continue;
      const size_t before = drafts.size();
      if (Status st = PlanSettle(*job, i, &drafts); !st.ok()) {
        ++stats.errors;
        drafts.resize(before);
        std::fprintf(stderr, "suanli billing: job %s attempt %d: %s\n", job->id.c_str(),
                     i.attempt, st.ToString().c_str());
        continue;
      }
      if (drafts.size() == before) settled_[job->id].insert(i.attempt);  // nothing to bill
      job_of.resize(drafts.size(), job->id);
      ++stats.settled;
      final_settled = final_settled || i.attempt == job->restart_count;
    }
    // The current attempt; a job whose last attempt failed was billed by its settlement.
    const bool last_failed = Ended(job->state) && !job->interruptions.empty() &&
                             job->interruptions.back().attempt == job->restart_count;
    if (job->started_at.ms <= 0 || final_settled || last_failed) continue;
    if (job->state != "running" && !Ended(job->state)) continue;
    const int64_t start = FloorTo(job->started_at.ms, 1000);
    int64_t end = job->state == "running" ? FloorTo(now, step) : FloorTo(job->finished_at.ms, 1000);
    end = std::min(end, FloorTo(now, 1000));
    auto it = metered_to_.find(job->id);
    const int64_t from = std::max(start, it == metered_to_.end() ? start : it->second);
    if (end <= from) continue;
    Result<ledger::UsageRecord> r = RecordFor(*reg_, *job, Timestamp{from}, Timestamp{end});
    if (!r) {
      ++stats.skipped;
      continue;
    }
    r->billed_seconds_before = (from - start) / 1000;
    Result<std::vector<ledger::EntryDraft>> d = ledger::MeterUsage(*r, meter_);
    if (!d) {
      ++stats.errors;
      std::fprintf(stderr, "suanli billing: job %s: %s\n", job->id.c_str(),
                   d.error().ToString().c_str());
      continue;
    }
    for (auto& draft : *d) {
      drafts.push_back(std::move(draft));
      job_of.push_back(job->id);
    }
  }
  if (drafts.empty()) {
    Prune();
    return stats;
  }
  std::vector<Result<ledger::Receipt>> results = ledger_->PostAll(std::move(drafts));
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      ++stats.errors;
      std::fprintf(stderr, "suanli billing: job %s: %s\n", job_of[i].c_str(),
                   results[i].error().ToString().c_str());
      continue;
    }
    const ledger::Entry& e = results[i]->entry;
    if (!results[i]->duplicate) {
      stats.entries += 1 + static_cast<int64_t>(results[i]->derived.size());
    }
    if (e.kind == ledger::EntryKind::kReversal) {
      // One of ours (settlements): mark what it reversed.
      for (auto& [from, b] : billed_[job_of[i]]) {
        if (b.seq == e.ref) b.reversed = true;
        if (b.voucher_seq == e.ref) b.voucher_reversed = true;
      }
      continue;
    }
    if (e.kind != ledger::EntryKind::kUsage) continue;
    const ledger::Entry* voucher = nullptr;
    for (const ledger::Entry& x : results[i]->derived) {
      if (x.kind == ledger::EntryKind::kVoucher) voucher = &x;
    }
    Note(e, voucher);
    if (!results[i]->duplicate && ledger::Attr(e, "attempt").empty()) ++stats.jobs_metered;
  }
  Prune();
  return stats;
}

// Keeps billed_ to what settlements may still need: the entries of jobs that may yet have an
// attempt to settle (not ended, or ended with an unsettled interruption).
void Metering::Prune() {
  for (auto it = billed_.begin(); it != billed_.end();) {
    auto job = reg_->Get<Job>(it->first);
    bool keep = false;
    if (job) {
      const Job& j = *job->obj;
      const std::set<int>& done = settled_[j.id];
      keep = !Ended(j.state);
      for (const auto& i : j.interruptions) keep = keep || !done.count(i.attempt);
    }
    it = keep ? std::next(it) : billed_.erase(it);
  }
}

Status Metering::Start() {
  SUANLI_RETURN_IF_ERROR(Recover());
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void Metering::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Metering::Loop() {
  bool first = true;
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    const PassStats s = RunOnce();
    if (first || s.errors > 0) {
      std::fprintf(stderr,
                   "suanli billing: metered %lld jobs (%lld entries), %lld without an offer, "
                   "%lld errors; every %llds\n",
                   static_cast<long long>(s.jobs_metered), static_cast<long long>(s.entries),
                   static_cast<long long>(s.skipped), static_cast<long long>(s.errors),
                   static_cast<long long>(options_.interval.count()));
      first = false;
    }
    lock.lock();
    cv_.wait_for(lock, options_.interval, [&] { return stop_; });
  }
}

}  // namespace suanli::billing
