#include "ledger/vouchers.h"

#include <chrono>
#include <sstream>

namespace suanli::ledger {
namespace {

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& v : s) out += (out.empty() ? "" : ",") + v;
  return out;
}
std::set<std::string> Split(std::string_view s) {
  std::set<std::string> out;
  while (!s.empty()) {
    size_t c = s.find(',');
    if (c != 0) out.emplace(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}
int64_t ToInt(const Attrs& a, const std::string& k, bool* ok) {
  auto it = a.find(k);
  if (it == a.end() || it->second.empty()) {
    *ok = false;
    return 0;
  }
  try {
    size_t pos = 0;
    int64_t v = std::stoll(it->second, &pos);
    if (pos != it->second.size()) *ok = false;
    return v;
  } catch (...) {
    *ok = false;
    return 0;
  }
}
bool InSet(const std::set<std::string>& s, std::string_view v) {
  return s.empty() || s.contains(std::string(v));
}

}  // namespace

std::string_view AppStateName(AppState s) {
  switch (s) {
    case AppState::kPending: return "pending";
    case AppState::kApproved: return "approved";
    case AppState::kRejected: return "rejected";
  }
  return "?";
}

Status ValidateProgramme(const Programme& p) {
  if (p.id.empty() || p.id.find(':') != std::string::npos) return InvalidArgument("bad id", "id");
  if (p.regulator.empty()) return InvalidArgument("regulator required", "regulator");
  if (p.share_bps <= 0 || p.share_bps > 10000) return InvalidArgument("share 1..10000 bps", "share_bps");
  if (p.budget.v <= 0) return InvalidArgument("budget must be positive", "budget");
  if (p.cap_per_company.v <= 0) return InvalidArgument("cap must be positive", "cap_per_company");
  if (p.min_contract.v < 0) return InvalidArgument("negative minimum", "min_contract");
  if (!(p.valid_from < p.valid_until)) return InvalidArgument("empty validity", "valid_until");
  return OkStatus();
}

EntryDraft ProgrammeDraft(const Programme& p) {
  EntryDraft d;
  d.kind = EntryKind::kProgramme;
  d.key = "programme:" + p.id;
  d.memo = p.name;
  d.attrs = {{"programme", p.id},
             {"regulator", p.regulator},
             {"share_bps", std::to_string(p.share_bps)},
             {"min_contract_fen", std::to_string(p.min_contract.v)},
             {"cap_per_company_fen", std::to_string(p.cap_per_company.v)},
             {"budget_fen", std::to_string(p.budget.v)},
             {"providers", Join(p.providers)},
             {"kinds", Join(p.kinds)},
             {"regions", Join(p.regions)},
             {"valid_from_ms", std::to_string(p.valid_from.ms)},
             {"valid_until_ms", std::to_string(p.valid_until.ms)}};
  d.lines = {{RegulatorGrants(p.regulator), p.budget}, {VoucherFund(p.id), -p.budget}};
  return d;
}

Result<Programme> ProgrammeFromAttrs(const Attrs& a) {
  Programme p;
  bool ok = true;
  auto get = [&](const char* k) { auto it = a.find(k); return it == a.end() ? std::string() : it->second; };
  p.id = get("programme");
  p.regulator = get("regulator");
  p.share_bps = ToInt(a, "share_bps", &ok);
  p.min_contract = Fen(ToInt(a, "min_contract_fen", &ok));
  p.cap_per_company = Fen(ToInt(a, "cap_per_company_fen", &ok));
  p.budget = Fen(ToInt(a, "budget_fen", &ok));
  p.providers = Split(get("providers"));
  p.kinds = Split(get("kinds"));
  p.regions = Split(get("regions"));
  p.valid_from.ms = ToInt(a, "valid_from_ms", &ok);
  p.valid_until.ms = ToInt(a, "valid_until_ms", &ok);
  if (!ok) return Err(InvalidArgument("programme attrs incomplete", "attrs"));
  if (Status st = ValidateProgramme(p); !st.ok()) return Err(st);
  return p;
}

EntryDraft ApplyDraft(const Application& a) {
  EntryDraft d;
  d.kind = EntryKind::kVoucherApply;
  d.key = "apply:" + a.id;
  d.attrs = {{"application", a.id},
             {"programme", a.programme},
             {"buyer", a.buyer},
             {"contract_fen", std::to_string(a.contract.v)}};
  return d;
}

EntryDraft DecisionDraft(const std::string& application, const std::string& regulator,
                         bool approve, const std::string& reason) {
  EntryDraft d;
  d.kind = EntryKind::kVoucherDecision;
  d.key = "decision:" + application;
  d.memo = reason;
  d.attrs = {{"application", application},
             {"regulator", regulator},
             {"decision", approve ? "approved" : "rejected"}};
  return d;
}

int CstYear(Timestamp t) {
  using namespace std::chrono;
  sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(t.ms) + hours(8)));
  return static_cast<int>(year_month_day(day).year());
}

bool Eligible(const Programme& p, const EntryDraft& usage) {
  const Timestamp from{AttrInt(usage, "from_ms")};
  return p.valid_from <= from && from < p.valid_until && InSet(p.providers, Attr(usage, "supplier")) &&
         InSet(p.kinds, Attr(usage, "kind")) && InSet(p.regions, Attr(usage, "region"));
}

bool RelatedParty(const EntryDraft& usage) {
  std::string_view b = Attr(usage, "buyer"), s = Attr(usage, "supplier");
  std::string_view bg = Attr(usage, "buyer_group"), sg = Attr(usage, "supplier_group");
  return b == s || (!bg.empty() && bg == sg);
}

}  // namespace suanli::ledger
