// The demo network's money: a top-up for every buyer and a compute-voucher programme of the demo
// regulator ("city-regulator") with one approved application, so `serve --demo` shows real
// statements and a real subsidy once metering runs. Idempotent (fixed keys): safe on restart.
#pragma once

#include "control/registry.h"
#include "ledger/ledger.h"

namespace suanli::billing {

struct DemoLedgerResult {
  std::string programme;    // id of the seeded programme
  std::string regulator;    // its regulator org id
  std::string subsidised;   // the buyer org whose application was approved
  int topups = 0;
};

// Posts the demo's top-ups, programme, application and approval (each once).
Result<DemoLedgerResult> SeedDemoLedger(const control::Registry& reg, ledger::Ledger& ledger,
                                        Timestamp now);

}  // namespace suanli::billing
