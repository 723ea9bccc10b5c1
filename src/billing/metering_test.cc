#include "billing/metering.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ledger/verify.h"
#include "ledger/vouchers.h"

namespace suanli::billing {
namespace {

using namespace domain;
using ledger::Fen;

// 1,700,000,000,000 ms is 2023-11-14T22:13:20Z; the job started 10.5 minutes before.
class MeteringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("suanli-billing-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::OpenStore((dir_ / "c.db").string());
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    reg_ = std::make_unique<control::Registry>(store_.get(), &clock_, &ids_);
    ASSERT_TRUE(reg_->Load().ok());
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Org b, s;
      b.id = "org-b";
      b.name = "buyer";
      b.roles = {"buyer"};
      s.id = "org-s";
      s.name = "supplier";
      s.roles = {"supplier"};
      txn.Put(b, "create");
      txn.Put(s, "create");
      Pool p;
      p.id = "pool-a";
      p.org_id = "org-s";
      p.kind = "ai";
      txn.Put(p, "create");
      Node n;
      n.id = "node-0";
      n.org_id = "org-s";
      n.pool_id = "pool-a";
      n.accelerators = {{"h100", 8}};
      txn.Put(n, "create");
      for (auto [id, price] : {std::pair{"offer-cheap", 2000}, std::pair{"offer-dear", 3000}}) {
        Offer o;
        o.id = id;
        o.org_id = "org-s";
        o.pool_id = "pool-a";
        o.kind = "ai";
        o.accelerator_model = "h100";
        o.accelerator_count = 1;
        o.price_fen_per_hour = price;
        txn.Put(o, "create");
      }
      Job j;
      j.id = "job-1";
      j.org_id = "org-b";
      j.tasks = 1;
      j.accelerators.count = 8;
      j.pool_id = "pool-a";
      j.supplier_org_id = "org-s";
      domain::Placement on;
      on.node_id = "node-0";
      on.devices = {0, 1, 2, 3, 4, 5, 6, 7};
      j.placement = {on};
      j.state = "running";
      j.started_at = {clock_.Now().ms - 630'000};
      txn.Put(j, "create");
      return OkStatus();
    }).ok());
    OpenLedger();
  }
  void OpenLedger() {
    ledger_.reset();
    auto ls = ledger::OpenLedgerStore((dir_ / "l.db").string());
    ASSERT_TRUE(ls);
    auto l = ledger::Ledger::Open(std::move(*ls), clock_);
    ASSERT_TRUE(l);
    ledger_ = std::move(*l);
  }
  void TearDown() override {
    ledger_.reset();
    reg_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Fen Charged() { return ledger_->Balance(ledger::BuyerBalance("org-b")); }

  std::filesystem::path dir_;
  FakeClock clock_;
  SeededIdSource ids_{5};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<control::Registry> reg_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

TEST_F(MeteringTest, MetersRunningJobsUnderTheCheapestOfferOnceAcrossRestarts) {
  // 8 GPUs under the cheaper offer (20 yuan per GPU-hour). A running job is metered up to the
  // last whole minute.
  Metering m(reg_.get(), ledger_.get(), &clock_, {});
  ASSERT_TRUE(m.Recover().ok());
  PassStats s = m.RunOnce();
  EXPECT_EQ(s.jobs_metered, 1);
  const int64_t start = clock_.Now().ms - 630'000;
  const int64_t end = clock_.Now().ms - clock_.Now().ms % 60'000;
  const int64_t secs = (end - start) / 1000;
  EXPECT_EQ(Charged().v, ledger::ChargeFor(8000, secs, Fen(2000)).v);
  EXPECT_EQ(m.RunOnce().jobs_metered, 0);  // nothing new within the minute
  clock_.Advance(Millis(120'000));
  EXPECT_EQ(m.RunOnce().jobs_metered, 1);
  // A restart (new Metering, Recover from the journal) posts nothing twice.
  Metering again(reg_.get(), ledger_.get(), &clock_, {});
  ASSERT_TRUE(again.Recover().ok());
  EXPECT_EQ(again.RunOnce().jobs_metered, 0);
  // The job ends mid-minute: metered exactly to finished_at; the total has no rounding drift.
  const int64_t finished = clock_.Now().ms + 30'000;
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Job j = *txn.Get<Job>("job-1");
    j.state = "succeeded";
    j.finished_at = {finished};
    txn.Put(j, "update");
    return OkStatus();
  }).ok());
  clock_.Advance(Millis(90'000));
  EXPECT_EQ(again.RunOnce().jobs_metered, 1);
  EXPECT_EQ(again.RunOnce().jobs_metered, 0);
  const int64_t total_s = (finished - start) / 1000;
  EXPECT_EQ(Charged().v, ledger::ChargeFor(8000, total_s, Fen(2000)).v);
  EXPECT_EQ((Charged() + ledger_->Balance(ledger::SupplierReceivable("org-s")) +
             ledger_->Balance(std::string(ledger::kFeeRevenue))).v,
            0);
  ledger_.reset();
  auto ls = ledger::OpenLedgerStore((dir_ / "l.db").string());
  auto rep = ledger::Verify(**ls);
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->violation;
}

// The job runs for two metering passes, then fails at S + 700 s (S = its start) and is
// requeued: the ExecutionService's record of that is the interruption below. The gang's last
// checkpoint was at S + 615 s.
class InterruptedJobTest : public MeteringTest {
 protected:
  void RunThenFail(const std::string& cause) {
    m_ = std::make_unique<Metering>(reg_.get(), ledger_.get(), &clock_, MeteringOptions{});
    ASSERT_TRUE(m_->Recover().ok());
    ASSERT_EQ(m_->RunOnce().jobs_metered, 1);  // [S, S + 610 s)
    clock_.Advance(Millis(60'000));
    ASSERT_EQ(m_->RunOnce().jobs_metered, 1);  // [S + 610 s, S + 670 s)
    clock_.Advance(Millis(10'000));  // S + 700 s: the failure is detected
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Job j = *txn.Get<Job>("job-1");
      domain::Interruption i;
      i.attempt = 0;
      i.cause = cause;
      i.started_at = j.started_at;
      i.failed_at = {start_ + 700'000};
      i.useful_until = {start_ + 615'000};  // the gang's last checkpoint
      i.pool_id = j.pool_id;
      i.supplier_org_id = j.supplier_org_id;
      i.node_id = j.placement.at(0).node_id;
      j.interruptions = {i};
      j.restart_count = 1;
      j.state = "pending";
      j.started_at = {};
      j.placement.clear();
      j.pool_id.clear();
      j.supplier_org_id.clear();
      txn.Put(j, "requeue");
      return OkStatus();
    }).ok());
    clock_.Advance(Millis(20'000));
  }
  Fen Credited() { return ledger_->Balance(std::string(ledger::kSlaExpense)); }
  Fen Supplier() { return ledger_->Balance(ledger::SupplierReceivable("org-s")); }
  void ExpectVerifies() {
    auto snap = ledger_->SnapshotReader();
    ASSERT_TRUE(snap);
    auto rep = ledger::Verify(**snap);
    ASSERT_TRUE(rep);
    EXPECT_TRUE(rep->ok) << rep->violation;
  }

  const int64_t start_ = clock_.Now().ms - 630'000;
  std::unique_ptr<Metering> m_;
};

TEST_F(InterruptedJobTest, ProviderSideLostTimeIsNotChargedAndCreditedOnce) {
  RunThenFail("node_lost");
  ASSERT_EQ(Charged().v, ledger::ChargeFor(8000, 670, Fen(2000)).v);  // billed while it ran
  PassStats s = m_->RunOnce();
  EXPECT_EQ(s.settled, 1);
  EXPECT_EQ(s.errors, 0);
  // Charged for the 615 s of useful work only; the 85 s lost after the checkpoint (detection
  // included) are not charged and earn the offer's SLA credit (10% of their value).
  const Fen usage = ledger::ChargeFor(8000, 615, Fen(2000));
  const Fen credit = ledger::ApplyBps(ledger::ChargeFor(8000, 85, Fen(2000)), 1000);
  EXPECT_EQ(usage.v, 2733);
  EXPECT_EQ(credit.v, 38);
  EXPECT_EQ(Credited(), credit);
  EXPECT_EQ(Charged(), usage - credit);
  // The supplier earns only the useful time too (charge less the 5% fee).
  EXPECT_EQ(Supplier(), -(usage - ledger::ApplyBps(usage, 500)));
  // Not again: neither on the next pass nor after a restart of the metering.
  s = m_->RunOnce();
  EXPECT_EQ(s.settled, 0);
  EXPECT_EQ(s.entries, 0);
  Metering again(reg_.get(), ledger_.get(), &clock_, {});
  ASSERT_TRUE(again.Recover().ok());
  s = again.RunOnce();
  EXPECT_EQ(s.settled, 0);
  EXPECT_EQ(s.entries, 0);
  EXPECT_EQ(Charged(), usage - credit);
  EXPECT_EQ(Credited(), credit);
  ExpectVerifies();
  // The next attempt runs 120 s and is billed as usual, from its own start.
  const int64_t restart = clock_.Now().ms;
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Job j = *txn.Get<Job>("job-1");
    j.state = "running";
    j.started_at = {restart};
    j.pool_id = "pool-a";
    j.supplier_org_id = "org-s";
    domain::Placement on;
    on.node_id = "node-0";
    j.placement = {on};
    txn.Put(j, "start");
    return OkStatus();
  }).ok());
  clock_.Advance(Millis(150'000));
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Job j = *txn.Get<Job>("job-1");
    j.state = "succeeded";
    j.finished_at = {restart + 120'000};
    txn.Put(j, "finish");
    return OkStatus();
  }).ok());
  s = again.RunOnce();
  EXPECT_EQ(s.jobs_metered, 1);
  EXPECT_EQ(s.settled, 0);
  EXPECT_EQ(Charged(), usage - credit + ledger::ChargeFor(8000, 120, Fen(2000)));
  ExpectVerifies();
}

TEST_F(InterruptedJobTest, ASettlementCutShortByACrashIsFinishedTheSameWay) {
  // The reversal of the settlement reached the journal, then the process died before the
  // settlement entry did: the restarted metering plans the same settlement (same period, same
  // keys) and finishes it; nothing is reversed or credited twice.
  RunThenFail("node_lost");
  const std::string key = "usage:job-1:" + std::to_string(start_ + 610'000);
  ledger::Entry second;
  ASSERT_TRUE(ledger_->Scan(1, 0, [&](const ledger::Entry& e) {
    if (e.key == key) second = e;
    return OkStatus();
  }).ok());
  ASSERT_EQ(second.key, key);
  ledger::EntryDraft rev;
  rev.kind = ledger::EntryKind::kReversal;
  rev.key = "sla-reverse:" + key;
  rev.ref = second.seq;
  for (const ledger::Line& l : second.lines) rev.lines.push_back({l.account, -l.amount});
  ASSERT_TRUE(ledger_->Post(rev));
  m_.reset();
  OpenLedger();  // the ledger reopens from its file, as after a crash
  Metering again(reg_.get(), ledger_.get(), &clock_, {});
  ASSERT_TRUE(again.Recover().ok());
  PassStats s = again.RunOnce();
  EXPECT_EQ(s.settled, 1);
  EXPECT_EQ(s.errors, 0);
  const Fen usage = ledger::ChargeFor(8000, 615, Fen(2000));
  const Fen credit = ledger::ApplyBps(ledger::ChargeFor(8000, 85, Fen(2000)), 1000);
  EXPECT_EQ(Charged(), usage - credit);
  EXPECT_EQ(Credited(), credit);
  EXPECT_EQ(again.RunOnce().entries, 0);
  ExpectVerifies();
}

TEST_F(InterruptedJobTest, ACrashOfTheJobsOwnTaskIsChargedWithoutCredit) {
  RunThenFail("task_failed");
  PassStats s = m_->RunOnce();
  EXPECT_EQ(s.settled, 1);
  // The buyer's fault: every second up to the failure is charged, nothing is credited.
  EXPECT_EQ(Charged().v, ledger::ChargeFor(8000, 700, Fen(2000)).v);
  EXPECT_EQ(Credited().v, 0);
  Metering again(reg_.get(), ledger_.get(), &clock_, {});
  ASSERT_TRUE(again.Recover().ok());
  EXPECT_EQ(again.RunOnce().entries, 0);
  EXPECT_EQ(Charged().v, ledger::ChargeFor(8000, 700, Fen(2000)).v);
  ExpectVerifies();
}

TEST_F(InterruptedJobTest, APreemptionIsChargedUpToTheEvictionWithoutCredit) {
  // Spot work evicted for a higher class: not the provider's fault, so every second up to the
  // eviction is charged (the work after the checkpoint is the buyer's loss) and nothing is
  // credited.
  RunThenFail("preempted");
  PassStats s = m_->RunOnce();
  EXPECT_EQ(s.settled, 1);
  EXPECT_EQ(Charged().v, ledger::ChargeFor(8000, 700, Fen(2000)).v);
  EXPECT_EQ(Credited().v, 0);
  ExpectVerifies();
}

TEST_F(InterruptedJobTest, AFinalProviderSideFailureIsSettledToTheEnd) {
  // Restarts used up: the job fails (keeping its start); its last attempt is settled, and
  // ordinary metering does not bill it again to finished_at.
  RunThenFail("device_fault");
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Job j = *txn.Get<Job>("job-1");
    j.restart_count = 0;
    j.state = "failed";
    j.started_at = j.interruptions[0].started_at;
    j.finished_at = j.interruptions[0].failed_at;
    txn.Put(j, "fail");
    return OkStatus();
  }).ok());
  PassStats s = m_->RunOnce();
  EXPECT_EQ(s.settled, 1);
  EXPECT_EQ(s.jobs_metered, 0);
  const Fen usage = ledger::ChargeFor(8000, 615, Fen(2000));
  const Fen credit = ledger::ApplyBps(ledger::ChargeFor(8000, 85, Fen(2000)), 1000);
  EXPECT_EQ(Charged(), usage - credit);
  EXPECT_EQ(m_->RunOnce().entries, 0);
  ExpectVerifies();
}

TEST_F(InterruptedJobTest, VouchersOnReversedTimeGoBackToTheProgramme) {
  // A 30% programme covers the buyer's bills; the entry with lost time is reversed with its
  // voucher, so the programme ends up paying 30% of the useful time only.
  ledger::Programme p;
  p.id = "city";
  p.regulator = "gov";
  p.cap_per_company = Fen(1'000'000);
  p.budget = Fen(10'000'000);
  p.valid_from = Timestamp{0};
  p.valid_until = Timestamp{4'000'000'000'000};
  ASSERT_TRUE(ledger_->Post(ledger::ProgrammeDraft(p)));
  ASSERT_TRUE(ledger_->Post(ledger::ApplyDraft({"app-b", "city", "org-b", Fen(1)})));
  ASSERT_TRUE(ledger_->Post(ledger::DecisionDraft("app-b", "gov", true, "")));
  RunThenFail("node_lost");
  auto spent = [&] {
    Fen out;
    ledger_->WithBook([&](const ledger::Book& b) { out = b.Spent("city"); });
    return out;
  };
  const Fen first = ledger::ChargeFor(8000, 610, Fen(2000));  // the entry that stays
  const Fen second = ledger::ChargeFor(8000, 670, Fen(2000)) - first;
  ASSERT_EQ(spent(), ledger::ApplyBps(first, 3000) + ledger::ApplyBps(second, 3000));
  EXPECT_EQ(m_->RunOnce().settled, 1);
  const Fen settled = ledger::ChargeFor(8000, 615, Fen(2000)) - first;  // 5 useful seconds
  EXPECT_EQ(spent(), ledger::ApplyBps(first, 3000) + ledger::ApplyBps(settled, 3000));
  const Fen credit = ledger::ApplyBps(ledger::ChargeFor(8000, 85, Fen(2000)), 1000);
  EXPECT_EQ(Charged(), ledger::ChargeFor(8000, 615, Fen(2000)) - credit - spent());
  ExpectVerifies();
}

TEST_F(MeteringTest, JobsWithoutAnOfferAreSkipped) {
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Job j = *txn.Get<Job>("job-1");
    j.pool_id = "pool-none";
    txn.Put(j, "update");
    return OkStatus();
  }).ok());
  Metering m(reg_.get(), ledger_.get(), &clock_, {});
  ASSERT_TRUE(m.Recover().ok());
  PassStats s = m.RunOnce();
  EXPECT_EQ(s.jobs_metered, 0);
  EXPECT_EQ(s.skipped, 1);
}

}  // namespace
}  // namespace suanli::billing
