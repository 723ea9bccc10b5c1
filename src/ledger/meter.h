// Meter: turns a usage record — one allocation of a job over one period, at the price of the
// offer it ran under — into journal drafts: the usage entry (buyer charged, supplier credited
// net of the platform fee, fee to the platform) and, when provider-side failures cost time,
// an SLA credit. Pure functions: no state, no I/O.
//
// Rounding: prices are fen per unit-hour; units are in thousandths. The charge of an item is
// computed exactly as units x seconds x price / 3600 and rounded half-to-even to a fen. To keep
// a long allocation free of rounding drift, a record may say how many billable seconds of the
// allocation were billed before it; its charge is then round(total through this record) -
// round(total before), so the charges of consecutive records sum to the rounded charge of the
// whole run. The fee is round-half-even(charge x fee_bps / 10000); the supplier gets the rest.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "ledger/entry.h"

namespace suanli::ledger {

enum class BillingMode { kOnDemand, kReserved, kSpot };
std::string_view BillingModeName(BillingMode m);

struct UsageItem {
  std::string resource;   // "gpu:H800", "npu:Ascend910B", "cpu_core", "mem_gib"
  int64_t units_milli = 0;  // 8 GPUs = 8000; 0.5 GPU share = 500; 512 GiB = 512000
  Fen fen_per_unit_hour;    // the offer's price for one unit for one hour
};

struct UsageRecord {
  std::string job, allocation, offer;
  std::string buyer, supplier;              // org ids
  std::string buyer_group, supplier_group;  // corporate groups ("" = none), for related party
  std::string kind;                         // "general" | "ai" | "hpc"
  std::string region;
  BillingMode mode = BillingMode::kOnDemand;
  Timestamp from, to;             // the metered period [from, to), whole seconds
  int64_t lost_seconds = 0;       // provider-side failure time inside the period: not charged
  int64_t billed_seconds_before = 0;  // billable seconds of this allocation already billed
  int64_t sla_credit_bps = 0;     // the offer's SLA: credit this share of the lost time's value
  bool failed = false;            // the allocation ended in failure at `to`
  // The settlement of a failed attempt (billing/settle.h): its number, recorded as the
  // attribute `attempt`, and the keys get ":attempt<N>" appended. -1 = an ordinary record.
  int attempt = -1;
  std::vector<UsageItem> items;
};

struct MeterConfig {
  int64_t fee_bps = 500;  // platform fee, 5%
};

// The idempotency key of a record: one usage entry per (allocation, period start), and one per
// settled attempt ("usage:<allocation>:<from ms>[:attempt<N>]").
std::string UsageKey(const UsageRecord& r);

// The usage entry and, when lost time earns a credit, the SLA credit entry. InvalidArgument
// on a malformed record (empty parties, to < from, lost > period, negative units or prices).
Result<std::vector<EntryDraft>> MeterUsage(const UsageRecord& r, const MeterConfig& config);

}  // namespace suanli::ledger
