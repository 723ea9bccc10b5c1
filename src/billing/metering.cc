#include "billing/metering.h"

#include <cstdio>
#include <cstdlib>
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

Status Metering::Recover() {
  metered_to_.clear();
  return ledger_->Scan(1, 0, [&](const ledger::Entry& e) {
    if (e.kind != ledger::EntryKind::kUsage) return OkStatus();
    int64_t& to = metered_to_[std::string(ledger::Attr(e, "job"))];
    to = std::max(to, ledger::AttrInt(e, "to_ms"));
    return OkStatus();
  });
}

PassStats Metering::RunOnce() {
  PassStats stats;
  const int64_t step = std::chrono::milliseconds(options_.interval).count();
  const int64_t now = clock_->Now().ms;
  std::vector<std::shared_ptr<const Job>> jobs;
  reg_->ForEach<Job>([&](const control::Entry<Job>& e) {
    if (e.obj->started_at.ms > 0 && (e.obj->state == "running" || Ended(e.obj->state))) {
      jobs.push_back(e.obj);
    }
  });
  std::vector<ledger::EntryDraft> drafts;
  std::vector<std::string> job_of;  // per draft
  for (const auto& job : jobs) {
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
  if (drafts.empty()) return stats;
  std::vector<Result<ledger::Receipt>> results = ledger_->PostAll(std::move(drafts));
  std::string last_job;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      ++stats.errors;
      std::fprintf(stderr, "suanli billing: job %s: %s\n", job_of[i].c_str(),
                   results[i].error().ToString().c_str());
      continue;
    }
    const ledger::Entry& e = results[i]->entry;
    if (e.kind != ledger::EntryKind::kUsage) continue;
    int64_t& to = metered_to_[job_of[i]];
    to = std::max(to, ledger::AttrInt(e, "to_ms"));
    if (!results[i]->duplicate) {
      ++stats.jobs_metered;
      stats.entries += 1 + static_cast<int64_t>(results[i]->derived.size());
    }
  }
  return stats;
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
