// Metering feed: turns the control plane's jobs into usage entries in the ledger. A loop (every
// `interval`) reads jobs, offers, pools, sites and orgs from the Registry and meters every job
// that has started, from its start (or the last metered point) to now — aligned down to a whole
// interval while it runs, to `finished_at` once it ended — under the offer it runs under.
//
// Failed attempts (job.interruptions, recorded by the execution service) are settled once
// each (settle.h): billed up to the failure; provider-side lost time reversed out of the charge
// and credited per the offer's SLA (`sla_credit_pct`).
//
// Restarts never double-charge: the last metered point of each job is rebuilt from the journal
// on Start (the highest `to_ms` of its usage entries), a record's idempotency key is
// (job, period start), and a repeated key posts nothing. Charges do not drift: each record
// carries the seconds billed before it (see ledger/meter.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "billing/settle.h"
#include "control/registry.h"
#include "ledger/ledger.h"
#include "ledger/meter.h"

namespace suanli::billing {

struct MeteringOptions {
  std::chrono::seconds interval{60};  // loop period, and the alignment of running periods
  int64_t fee_bps = 500;              // platform fee (5%)
  // Overrides from the environment: SUANLI_BILLING_INTERVAL_S (1..60), SUANLI_BILLING_FEE_BPS.
  static MeteringOptions FromEnv();
};

struct PassStats {
  int64_t jobs_metered = 0;  // jobs that got a usage entry this pass
  int64_t entries = 0;       // entries posted (usage, SLA credits, vouchers, reversals)
  int64_t settled = 0;       // failed attempts settled this pass
  int64_t skipped = 0;       // started jobs without a usable offer
  int64_t errors = 0;        // records the ledger rejected
};

// The usage record of `job` over [from, to), or NotFound when no offer prices it; carries the
// offer's SLA credit (sla_credit_pct as bps). Exposed for tests. Reads the registry under its
// shared lock.
Result<ledger::UsageRecord> RecordFor(const control::Registry& reg, const domain::Job& job,
                                      Timestamp from, Timestamp to);

class Metering {
 public:
  // `reg`, `ledger` and `clock` must outlive the Metering.
  Metering(const control::Registry* reg, ledger::Ledger* ledger, const Clock* clock,
           MeteringOptions options);
  ~Metering();  // Stop()s
  Metering(const Metering&) = delete;
  Metering& operator=(const Metering&) = delete;

  // Rebuilds the last metered point of every job from the journal. Call once before RunOnce.
  Status Recover();
  // One pass at clock->Now(). Not reentrant: the loop thread (or a test) calls it.
  PassStats RunOnce();
  // Recover()s, then runs a pass now and every `interval` on a thread until Stop().
  Status Start();
  void Stop();

 private:
  void Loop();
  // Appends the entries that settle interruption `i` of `job` (reversals, the settlement).
  Status PlanSettle(const domain::Job& job, const domain::Interruption& i,
                    std::vector<ledger::EntryDraft>* drafts);
  // Records a durable usage entry (and its voucher) in metered_to_, billed_, settled_.
  void Note(const ledger::Entry& usage, const ledger::Entry* voucher);
  void Prune();

  const control::Registry* reg_;
  ledger::Ledger* ledger_;
  const Clock* clock_;
  MeteringOptions options_;
  ledger::MeterConfig meter_;
  // Loop thread only:
  std::map<std::string, int64_t> metered_to_;  // job id -> ms metered up to
  std::map<std::string, BilledByFrom> billed_;  // job id -> its usage entries (not settlements)
  std::map<std::string, std::set<int>> settled_;  // job id -> attempts settled

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace suanli::billing
