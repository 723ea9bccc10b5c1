// Settling a failed attempt of a job (a domain::Interruption) in the ledger.
//
// While a job runs it is billed minute by minute; the platform learns only later that an
// attempt failed. Settling the attempt bills what was not billed yet, up to the failure, and —
// when the failure was the provider's (node lost, device fault, task lost) — makes sure the
// time lost after the gang's last checkpoint (`useful_until`) is not charged:
//  - every usage entry of the attempt that reaches past useful_until is reversed (its voucher
//    first, if it had one, so the subsidy returns to the cap and budget);
//  - one settlement usage entry covers [from, failed_at), where `from` is the start of the
//    first reversed entry (else where billing of the attempt stopped), with the lost seconds
//    not charged (`lost_s`) and, per the offer's SLA, an SLA credit on their value.
// A crash of the job's own task is the buyer's: the settlement charges up to the failure and
// credits nothing. Everything is derived from the interruption and the journal, so a restart
// replans exactly the same entries under the same keys (idempotent).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "domain/types.h"

namespace suanli::billing {

// A usage entry of a job (not a settlement), as the journal has it.
struct Billed {
  int64_t seq = 0;
  int64_t to_ms = 0;
  int64_t voucher_seq = 0;  // its voucher entry, 0 when none
  bool has_lines = false;   // a zero charge moves no money and is not reversed
  bool reversed = false;
  bool voucher_reversed = false;
};
using BilledByFrom = std::map<int64_t, Billed>;  // by period start (ms)

struct Settlement {
  std::vector<int64_t> reverse;    // seqs to reverse, in order (a voucher before its usage)
  int64_t from_ms = 0, to_ms = 0;  // the settlement entry's period
  int64_t lost_s = 0;              // provider-side seconds in it: not charged
  int64_t billed_before_s = 0;     // billable seconds of the attempt billed before `from`
  bool empty() const { return reverse.empty() && from_ms >= to_ms; }
};

Settlement PlanSettlement(const domain::Interruption& i, const BilledByFrom& billed);

}  // namespace suanli::billing
