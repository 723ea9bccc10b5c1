// Verify: recomputes the journal's hash chain and replays every entry through the same rules
// the Ledger admits them by (balance, idempotency, voucher eligibility, caps and budgets,
// reversals), then checks the trial balance. Reports the first violation.
#pragma once

#include <string>

#include "ledger/ledger_store.h"

namespace suanli::ledger {

struct VerifyReport {
  bool ok = true;
  int64_t entries = 0;        // entries checked
  int64_t lines = 0;
  int64_t first_bad_seq = 0;  // 0 when ok, or when the violation is not tied to one entry
  std::string violation;      // the first violation, empty when ok
  std::string head_hash;      // hex hash of the last entry
};

// Returns the report; an error Status only when the store cannot be read at all.
Result<VerifyReport> Verify(LedgerStore& store);

}  // namespace suanli::ledger
