#include "billing/demo_ledger.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "ledger/vouchers.h"

namespace suanli::billing {

using ledger::Fen;

namespace {

bool HasRole(const domain::Org& o, const std::string& role) {
  return std::find(o.roles.begin(), o.roles.end(), role) != o.roles.end();
}

Status PostOnce(ledger::Ledger& l, ledger::EntryDraft d) {
  d.attrs["actor_user"] = "system:demo";
  Result<ledger::Receipt> r = l.Post(std::move(d));
  return r ? OkStatus() : r.error();
}

}  // namespace

Result<DemoLedgerResult> SeedDemoLedger(const control::Registry& reg, ledger::Ledger& ledger,
                                        Timestamp now) {
  DemoLedgerResult out;
  std::string operator_org, any_regulator;
  std::vector<std::string> buyers;  // buyer-only orgs
  reg.ForEach<domain::Org>([&](const control::Entry<domain::Org>& e) {
    const domain::Org& o = *e.obj;
    if (HasRole(o, "operator") && operator_org.empty()) operator_org = o.id;
    if (HasRole(o, "regulator") && any_regulator.empty()) any_regulator = o.id;
    if (HasRole(o, "buyer") && !HasRole(o, "supplier")) buyers.push_back(o.id);
  });
  out.regulator = reg.OrgIdByName("city-regulator");
  if (out.regulator.empty()) out.regulator = any_regulator;
  if (out.regulator.empty() || buyers.empty()) {
    return Err(FailedPrecondition("demo network has no regulator or no buyer"));
  }
  // Top-ups: ¥200,000 per buyer, by the operator.
  for (const std::string& b : buyers) {
    ledger::EntryDraft d;
    d.kind = ledger::EntryKind::kTopup;
    d.key = "demo-topup:" + b;
    d.memo = "demo prepaid balance";
    d.attrs = {{"actor_org", operator_org}, {"buyer", b}};
    d.lines = {{std::string(ledger::kPlatformCash), Fen::Yuan(200'000)},
               {ledger::BuyerBalance(b), -Fen::Yuan(200'000)}};
    if (Status st = PostOnce(ledger, std::move(d)); !st.ok()) return Err(st);
    ++out.topups;
  }
  // The buyer with the most running jobs gets the voucher.
  std::map<std::string, int> running;
  reg.ForEach<domain::Job>([&](const control::Entry<domain::Job>& e) {
    if (e.obj->state == "running") ++running[e.obj->org_id];
  });
  out.subsidised = *std::max_element(buyers.begin(), buyers.end(), [&](const auto& a, const auto& b) {
    return running[a] < running[b];
  });
  // The programme: 30% of each bill, contracts from ¥5,000, ¥50,000 per company-year, a
  // ¥1,000,000 budget, valid for the calendar year (UTC+8) of `now` and the next.
  using namespace std::chrono;
  const int year = ledger::CstYear(now);
  auto year_start = [](int y) {
    return Timestamp{duration_cast<milliseconds>(
                         sys_days(std::chrono::year(y) / January / 1).time_since_epoch() - hours(8))
                         .count()};
  };
  ledger::Programme p;
  p.id = "demo-city-ai-" + std::to_string(year);
  p.regulator = out.regulator;
  p.name = "城市算力券 " + std::to_string(year) + " (demo)";
  p.share_bps = 3000;
  p.min_contract = Fen::Yuan(5'000);
  p.cap_per_company = Fen::Yuan(50'000);
  p.budget = Fen::Yuan(1'000'000);
  p.valid_from = year_start(year);
  p.valid_until = year_start(year + 2);
  out.programme = p.id;
  ledger::EntryDraft prog = ledger::ProgrammeDraft(p);
  prog.attrs["actor_org"] = out.regulator;
  if (Status st = PostOnce(ledger, std::move(prog)); !st.ok()) return Err(st);
  ledger::Application a{"demo-app-" + out.subsidised, p.id, out.subsidised, Fen::Yuan(10'000),
                        ledger::AppState::kPending};
  ledger::EntryDraft apply = ledger::ApplyDraft(a);
  apply.attrs["actor_org"] = a.buyer;
  if (Status st = PostOnce(ledger, std::move(apply)); !st.ok()) return Err(st);
  ledger::EntryDraft decision =
      ledger::DecisionDraft(a.id, out.regulator, true, "demo: contract checked");
  decision.attrs["actor_org"] = out.regulator;
  if (Status st = PostOnce(ledger, std::move(decision)); !st.ok()) return Err(st);
  std::fprintf(stderr,
               "suanli: demo ledger: %d top-ups; voucher programme %s (30%%, regulator %s), "
               "approved for buyer %s\n",
               out.topups, p.id.c_str(), out.regulator.c_str(), out.subsidised.c_str());
  return out;
}

}  // namespace suanli::billing
