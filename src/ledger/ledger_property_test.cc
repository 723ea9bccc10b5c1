// Property test: random usage streams — re-sent records, reversals, top-ups, vouchers, lost
// time, graceful restarts — always leave a journal that verifies, with every balance equal to
// a model built from the receipts and every usage key charged exactly once.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ledger/ledger_test_util.h"
#include "ledger/verify.h"

namespace suanli::ledger {
namespace {

using testing::OpenOrDie;
using testing::TempDir;

TEST(LedgerProperty, RandomStreamsKeepTheInvariants) {
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    TempDir dir;
    FakeClock clock(Timestamp{1'735'689'600'000});
    auto l = OpenOrDie(dir.Db(), clock);
    Programme p;
    p.id = "p";
    p.regulator = "gov";
    p.cap_per_company = Fen(5000);
    p.budget = Fen(12000);
    p.valid_from = Timestamp{0};
    p.valid_until = Timestamp{4'000'000'000'000};
    std::map<std::string, Fen> model;  // account -> balance from receipts
    for (const Line& x : ProgrammeDraft(p).lines) model[x.account] += x.amount;
    ASSERT_TRUE(l->Post(ProgrammeDraft(p)));
    for (int b = 0; b < 3; ++b) {
      const std::string buyer = "b" + std::to_string(b);
      ASSERT_TRUE(l->Post(ApplyDraft({"app" + buyer, "p", buyer, Fen(1)})));
      ASSERT_TRUE(l->Post(DecisionDraft("app" + buyer, "gov", b != 2, "")));
    }
    std::map<std::string, int64_t> charged;  // usage key -> charge (first send only)
    std::vector<Entry> reversible;
    std::vector<UsageRecord> sent;
    auto book = [&](const Entry& e) {
      for (const Line& x : e.lines) model[x.account] += x.amount;
    };
    for (int step = 0; step < 1000; ++step) {
      std::vector<EntryDraft> drafts;
      const int op = pick(100);
      if (op < 60 || sent.empty()) {
        UsageRecord r = testing::Minute("a" + std::to_string(pick(20)), pick(500),
                                        "b" + std::to_string(pick(4)), "s" + std::to_string(pick(3)));
        r.items[0].units_milli = 500 * (1 + pick(16));
        r.lost_seconds = pick(4) == 0 ? pick(61) : 0;
        r.sla_credit_bps = 5000;
        sent.push_back(r);
        drafts = *MeterUsage(r, MeterConfig{});
      } else if (op < 85) {
        // Re-sent: must not charge again.
        drafts = *MeterUsage(sent[static_cast<size_t>(pick(static_cast<int>(sent.size())))],
                             MeterConfig{});
      } else if (op < 93 && !reversible.empty()) {
        const Entry& o = reversible[static_cast<size_t>(pick(static_cast<int>(reversible.size())))];
        EntryDraft rev{EntryKind::kReversal, "reverse:" + std::to_string(o.seq), o.seq, "fix", {}, {}};
        for (const Line& x : o.lines) rev.lines.push_back({x.account, -x.amount});
        drafts.push_back(std::move(rev));
      } else if (op < 97) {
        const std::string b = "b" + std::to_string(pick(4));
        drafts.push_back({EntryKind::kTopup, "topup:" + std::to_string(step), 0, "", {},
                          {{"platform:cash", Fen(1000)}, {BuyerBalance(b), Fen(-1000)}}});
      } else {
        l.reset();  // graceful restart: the Book is rebuilt from the journal
        l = OpenOrDie(dir.Db(), clock);
        continue;
      }
      clock.Advance(Millis(pick(2000)));
      for (auto& r : l->PostAll(std::move(drafts))) {
        if (!r) continue;  // e.g. reversing an already reversed entry
        if (r->duplicate) continue;
        book(r->entry);
        for (const Entry& d : r->derived) book(d);
        if (r->entry.kind == EntryKind::kUsage) {
          ASSERT_FALSE(charged.contains(r->entry.key));
          charged[r->entry.key] = AttrInt(r->entry, "charge_fen");
          if (!r->entry.lines.empty()) reversible.push_back(r->entry);
        }
        for (const Entry& d : r->derived) reversible.push_back(d);
      }
    }
    for (const auto& [account, fen] : model) {
      ASSERT_EQ(l->Balance(account), fen) << account;
    }
    Fen spent;
    l->WithBook([&](const Book& b) {
      spent = b.Spent("p");
      for (const char* buyer : {"b0", "b1", "b2"}) EXPECT_LE(b.UsedBy("p", buyer, 2025), Fen(5000));
    });
    EXPECT_LE(spent, Fen(12000));
    EXPECT_EQ(l->Balance(VoucherFund("p")), Fen(-12000) + spent);
    l.reset();
    auto store = OpenLedgerStore(dir.Db());
    auto rep = Verify(**store);
    ASSERT_TRUE(rep);
    EXPECT_TRUE(rep->ok) << rep->violation;
  }
}

}  // namespace
}  // namespace suanli::ledger
