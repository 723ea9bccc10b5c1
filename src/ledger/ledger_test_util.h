// Test-only helpers: a temp SQLite ledger, usage records, and opening a Ledger on a fake clock.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.h"
#include "ledger/ledger.h"
#include "ledger/meter.h"

namespace suanli::ledger::testing {

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "ledger_test.XXXXXX").string();
    if (mkdtemp(t.data()) != nullptr) dir_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string Db() const { return dir_ + "/ledger.db"; }

 private:
  std::string dir_;
};

inline std::unique_ptr<Ledger> OpenOrDie(const std::string& url, const Clock& clock) {
  auto store = OpenLedgerStore(url);
  EXPECT_TRUE(store) << store.error().ToString();
  if (!store) return nullptr;
  auto l = Ledger::Open(std::move(*store), clock);
  EXPECT_TRUE(l) << l.error().ToString();
  return l ? std::move(*l) : nullptr;
}

// One minute of an 8-GPU allocation at 25 yuan per GPU-hour: 8 x 60 x 2500 / 3600 = 333.33 fen
// -> 333 fen.
inline UsageRecord Minute(const std::string& alloc, int minute, const std::string& buyer = "b1",
                          const std::string& supplier = "s1") {
  UsageRecord r;
  r.job = "job-" + alloc;
  r.allocation = alloc;
  r.buyer = buyer;
  r.supplier = supplier;
  r.kind = "ai";
  r.region = "cn-east";
  r.from = Timestamp{1'735'689'600'000 + minute * 60'000LL};  // 2025-01-01T00:00:00Z
  r.to = Timestamp{r.from.ms + 60'000};
  r.items = {{"gpu:H800", 8000, Fen(2500)}};
  return r;
}

inline EntryDraft UsageDraft(const UsageRecord& r) { return (*MeterUsage(r, MeterConfig{}))[0]; }

}  // namespace suanli::ledger::testing
