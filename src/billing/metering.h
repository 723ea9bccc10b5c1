// Metering feed: turns the control plane's jobs into usage entries in the ledger. A loop (every
// `interval`) reads jobs, offers, pools, sites and orgs from the Registry and meters every job
// that has started, from its start (or the last metered point) to now — aligned down to a whole
// interval while it runs, to `finished_at` once it ended — under the offer it runs under.
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
#include <string>
#include <thread>

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
  int64_t entries = 0;       // entries posted (usage, SLA credits, vouchers)
  int64_t skipped = 0;       // started jobs without a usable offer
  int64_t errors = 0;        // records the ledger rejected
};

// The usage record of `job` over [from, to), or NotFound when no offer prices it. Exposed for
// tests. Reads the registry under its shared lock.
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

  const control::Registry* reg_;
  ledger::Ledger* ledger_;
  const Clock* clock_;
  MeteringOptions options_;
  ledger::MeterConfig meter_;
  std::map<std::string, int64_t> metered_to_;  // job id -> ms metered up to (loop thread only)

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace suanli::billing
