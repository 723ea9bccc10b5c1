// Compute-voucher (算力券) rules pinned by scenarios: approval, share, cap per company and year,
// budget exhaustion, expiry, rejection, related parties, eligibility, no double subsidy, the
// write-off report, and Verify catching a forged voucher that re-chains the hashes.
#include <gtest/gtest.h>

#include "ledger/ledger_test_util.h"
#include "ledger/statement.h"
#include "ledger/verify.h"

namespace suanli::ledger {
namespace {

using testing::OpenOrDie;
using testing::TempDir;

constexpr int64_t kJan1 = 1'735'660'800'000;  // 2025-01-01T00:00:00+08:00
constexpr int64_t kHour = 3'600'000;

// One hour of 8 GPUs at 25 yuan per GPU-hour: 20,000 fen; 30% = 6,000 fen.
UsageRecord Hour(const std::string& alloc, int64_t hour, const std::string& buyer = "b1",
                 const std::string& supplier = "s1") {
  UsageRecord r;
  r.job = "job-" + alloc;
  r.allocation = alloc;
  r.buyer = buyer;
  r.supplier = supplier;
  r.kind = "ai";
  r.region = "cn-east";
  r.from = Timestamp{kJan1 + hour * kHour};
  r.to = Timestamp{r.from.ms + kHour};
  r.items = {{"gpu:H800", 8000, Fen(2500)}};
  return r;
}

class Vouchers : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = OpenOrDie(dir_.Db(), clock_);
    ASSERT_NE(ledger_, nullptr);
  }
  Programme P(const std::string& id) {
    Programme p;
    p.id = id;
    p.regulator = "gov";
    p.name = "AI compute vouchers 2025";
    p.share_bps = 3000;
    p.min_contract = Fen::Yuan(5000);
    p.cap_per_company = Fen(10000);
    p.budget = Fen(1'000'000);
    p.providers = {"s1", "s2"};
    p.kinds = {"ai"};
    p.valid_from = Timestamp{kJan1};
    p.valid_until = Timestamp{kJan1 + 365 * 24 * kHour};
    return p;
  }
  void Create(const Programme& p) { ASSERT_TRUE(ledger_->Post(ProgrammeDraft(p))); }
  Status Apply(const std::string& app, const std::string& prog, const std::string& buyer,
               Fen contract = Fen::Yuan(10000)) {
    auto r = ledger_->Post(ApplyDraft({app, prog, buyer, contract}));
    return r ? OkStatus() : r.error();
  }
  Status Decide(const std::string& app, bool approve, const std::string& regulator = "gov") {
    auto r = ledger_->Post(DecisionDraft(app, regulator, approve, "ok"));
    return r ? OkStatus() : r.error();
  }
  // Posts the usage and returns the voucher amount granted on it (0 when none).
  int64_t Bill(const UsageRecord& r) {
    auto rec = ledger_->Post((*MeterUsage(r, MeterConfig{}))[0]);
    EXPECT_TRUE(rec) << rec.error().ToString();
    if (!rec || rec->derived.empty()) return 0;
    return rec->derived[0].lines[0].amount.v;
  }
  void ExpectVerified() {
    auto store = OpenLedgerStore(dir_.Db());
    auto rep = Verify(**store);
    ASSERT_TRUE(rep);
    EXPECT_TRUE(rep->ok) << rep->violation;
  }

  TempDir dir_;
  FakeClock clock_{Timestamp{kJan1}};
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(Vouchers, ApprovedBuyerGetsTheShareFromTheFund) {
  Create(P("p1"));
  ASSERT_TRUE(Apply("app1", "p1", "b1").ok());
  EXPECT_EQ(Bill(Hour("x", 0)), 0);  // pending: not yet covered
  ASSERT_TRUE(Decide("app1", true).ok());
  EXPECT_EQ(Bill(Hour("x", 1)), 6000);
  EXPECT_EQ(ledger_->Balance(BuyerBalance("b1")).v, 20000 + 20000 - 6000);
  EXPECT_EQ(ledger_->Balance(VoucherFund("p1")).v, -1'000'000 + 6000);
  ExpectVerified();
}

TEST_F(Vouchers, CapPerCompanyCoversPartiallyThenNothingAndResetsNextYear) {
  Programme p = P("p1");
  p.valid_until = Timestamp{kJan1 + 2 * 365 * 24 * kHour};
  Create(p);
  ASSERT_TRUE(Apply("app1", "p1", "b1").ok());
  ASSERT_TRUE(Decide("app1", true).ok());
  EXPECT_EQ(Bill(Hour("x", 0)), 6000);
  EXPECT_EQ(Bill(Hour("x", 1)), 4000);  // cap 10,000: partial cover
  EXPECT_EQ(Bill(Hour("x", 2)), 0);
  EXPECT_EQ(Bill(Hour("x", 366 * 24)), 6000);  // 2026: a new year's cap
  ExpectVerified();
}

TEST_F(Vouchers, BudgetExhaustionStopsEveryone) {
  Programme p = P("p1");
  p.budget = Fen(8000);
  Create(p);
  for (const char* b : {"b1", "b2", "b3"}) {
    ASSERT_TRUE(Apply(std::string("app-") + b, "p1", b).ok());
    ASSERT_TRUE(Decide(std::string("app-") + b, true).ok());
  }
  EXPECT_EQ(Bill(Hour("x1", 0, "b1")), 6000);
  EXPECT_EQ(Bill(Hour("x2", 0, "b2")), 2000);
  EXPECT_EQ(Bill(Hour("x3", 0, "b3")), 0);
  EXPECT_EQ(ledger_->Balance(VoucherFund("p1")).v, 0);
  ExpectVerified();
}

TEST_F(Vouchers, ExpiredProgrammeCoversNothingAndTakesNoApplications) {
  Programme p = P("p1");
  p.valid_until = Timestamp{kJan1 + 10 * kHour};
  Create(p);
  ASSERT_TRUE(Apply("app1", "p1", "b1").ok());
  ASSERT_TRUE(Decide("app1", true).ok());
  EXPECT_EQ(Bill(Hour("x", 9)), 6000);
  EXPECT_EQ(Bill(Hour("x", 10)), 0);  // period starts at expiry
  clock_.Set(Timestamp{kJan1 + 11 * kHour});
  EXPECT_EQ(Apply("app2", "p1", "b2").code(), StatusCode::kInvalidArgument);
  ExpectVerified();
}

TEST_F(Vouchers, RejectionAndDecisionRules) {
  Create(P("p1"));
  ASSERT_TRUE(Apply("app1", "p1", "b1").ok());
  EXPECT_FALSE(Decide("app1", true, "another-regulator").ok());
  ASSERT_TRUE(Decide("app1", false).ok());
  ASSERT_TRUE(Decide("app1", true).ok());  // same key: the original decision is returned
  ledger_->WithBook([](const Book& b) {
    EXPECT_EQ(b.applications().at("app1").state, AppState::kRejected);
  });
  EXPECT_EQ(Bill(Hour("x", 0)), 0);
  EXPECT_EQ(Apply("app2", "p1", "b1", Fen::Yuan(4999)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Apply("app3", "nope", "b1").code(), StatusCode::kInvalidArgument);
  ExpectVerified();
}

TEST_F(Vouchers, RelatedPartiesAndIneligibleUseAreNotCovered) {
  Create(P("p1"));
  ASSERT_TRUE(Apply("app1", "p1", "b1").ok());
  ASSERT_TRUE(Decide("app1", true).ok());
  UsageRecord same_group = Hour("x1", 0);
  same_group.buyer_group = "group-a";
  same_group.supplier_group = "group-a";
  EXPECT_EQ(Bill(same_group), 0);
  EXPECT_EQ(Bill(Hour("x2", 0, "b1", "b1")), 0);  // buying from itself
  EXPECT_EQ(Bill(Hour("x3", 0, "b1", "s9")), 0);  // provider not eligible
  UsageRecord cpu = Hour("x4", 0);
  cpu.kind = "general";
  EXPECT_EQ(Bill(cpu), 0);
  UsageRecord other_groups = Hour("x5", 0);
  other_groups.buyer_group = "group-a";
  other_groups.supplier_group = "group-b";
  EXPECT_EQ(Bill(other_groups), 6000);
  ExpectVerified();
}

TEST_F(Vouchers, NoDoubleSubsidy) {
  Create(P("p1"));
  Create(P("p2"));
  for (const char* a : {"app1", "app2"}) {
    ASSERT_TRUE(Apply(a, a == std::string("app1") ? "p1" : "p2", "b1").ok());
    ASSERT_TRUE(Decide(a, true).ok());
  }
  auto first = ledger_->Post((*MeterUsage(Hour("x", 0), MeterConfig{}))[0]);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->derived.size(), 1u);  // one programme per bill line
  EXPECT_EQ(Attr(first->derived[0], "programme"), "p1");
  auto resent = ledger_->Post((*MeterUsage(Hour("x", 0), MeterConfig{}))[0]);
  ASSERT_TRUE(resent);
  EXPECT_TRUE(resent->duplicate);
  EXPECT_TRUE(resent->derived.empty());
  EntryDraft forged = first->derived[0];
  forged.key = "voucher:forged";
  EXPECT_FALSE(ledger_->Post(forged));  // vouchers are granted, never posted
  EXPECT_EQ(ledger_->Balance(VoucherFund("p2")).v, -1'000'000);
  ExpectVerified();
}

TEST_F(Vouchers, WriteOffReportPerSupplier) {
  Create(P("p1"));
  for (const char* b : {"b1", "b2"}) {
    ASSERT_TRUE(Apply(std::string("app-") + b, "p1", b).ok());
    ASSERT_TRUE(Decide(std::string("app-") + b, true).ok());
  }
  Bill(Hour("x1", 0, "b1", "s1"));
  Bill(Hour("x2", 0, "b2", "s1"));
  Bill(Hour("x3", 0, "b2", "s2"));
  ledger_.reset();
  auto store = OpenLedgerStore(dir_.Db());
  auto r = BuildWriteOff(**store, "s1", PeriodContaining(Period::kMonth, Timestamp{kJan1}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->total.v, 12000);
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0].buyer, "b1");
  EXPECT_EQ(r->rows[1].vouchers, 1);
}

TEST_F(Vouchers, VerifyCatchesAForgedVoucherEvenWithAValidChain) {
  Create(P("p1"));
  ASSERT_TRUE(Apply("app1", "p1", "b1").ok());
  ASSERT_TRUE(Decide("app1", true).ok());
  auto rec = ledger_->Post((*MeterUsage(Hour("x", 0), MeterConfig{}))[0]);
  ASSERT_TRUE(rec);
  ledger_.reset();
  // An insider appends a usage entry and a voucher beyond the cap, hashing the chain properly.
  auto store = OpenLedgerStore(dir_.Db());
  Entry u;
  static_cast<EntryDraft&>(u) = (*MeterUsage(Hour("y", 1), MeterConfig{}))[0];
  u.seq = rec->derived[0].seq + 1;
  u.at = Timestamp{kJan1 + 1};
  u.prev_hash = rec->derived[0].hash;
  u.hash = ComputeHash(u);
  Entry v;
  static_cast<EntryDraft&>(v) = rec->derived[0];
  v.key = "voucher:forged";
  v.ref = u.seq;
  v.lines = {{VoucherFund("p1"), Fen(6000)}, {BuyerBalance("b1"), Fen(-6000)}};
  v.seq = u.seq + 1;
  v.at = u.at;
  v.prev_hash = u.hash;
  v.hash = ComputeHash(v);
  ASSERT_TRUE((*store)->Append({u, v}).ok());
  auto rep = Verify(**store);
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, v.seq);
  EXPECT_NE(rep->violation.find("cap"), std::string::npos) << rep->violation;
}

}  // namespace
}  // namespace suanli::ledger
