#include "ledger/statement.h"

#include <chrono>
#include <nlohmann/json.hpp>

namespace suanli::ledger {
namespace {

using namespace std::chrono;
constexpr int64_t kCstOffsetMs = 8LL * 3600 * 1000;

std::string Two(unsigned v) { return (v < 10 ? "0" : "") + std::to_string(v); }

bool OwnedBy(const std::string& account, const std::string& org) {
  for (std::string_view role : {"buyer:", "supplier:", "regulator:"}) {
    if (account.rfind(role, 0) == 0 && account.compare(role.size(), org.size(), org) == 0 &&
        account.size() > role.size() + org.size() && account[role.size() + org.size()] == ':') {
      return true;
    }
  }
  return false;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string MsText(std::string_view ms) {
  if (ms.empty()) return "";
  return FormatTimestamp(Timestamp{std::stoll(std::string(ms))});
}

}  // namespace

PeriodRange PeriodContaining(Period p, Timestamp t) {
  sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(t.ms + kCstOffsetMs)));
  year_month_day ymd(day);
  sys_days start = day, end = day + days(1);
  std::string label = std::to_string(static_cast<int>(ymd.year())) + "-" +
                      Two(static_cast<unsigned>(ymd.month()));
  if (p == Period::kMonth) {
    start = sys_days(ymd.year() / ymd.month() / 1);
    end = sys_days((ymd.year() / ymd.month() / 1) + months(1));
  } else {
    label += "-" + Two(static_cast<unsigned>(ymd.day()));
  }
  auto ms = [](sys_days d) {
    return Timestamp{duration_cast<milliseconds>(d.time_since_epoch()).count() - kCstOffsetMs};
  };
  return {ms(start), ms(end), label};
}

Result<Statement> BuildStatement(LedgerStore& store, const std::string& org,
                                 const PeriodRange& period) {
  Statement s;
  s.org = org;
  s.period = period;
  Status st = store.Scan(1, 0, [&](const Entry& e) {
    if (!(e.at < period.to)) return OkStatus();
    const bool in_period = period.from <= e.at;
    for (const Line& l : e.lines) {
      if (!OwnedBy(l.account, org)) continue;
      s.closing[l.account] += l.amount;
      if (!in_period) {
        s.opening[l.account] += l.amount;
        continue;
      }
      s.opening.try_emplace(l.account);
      StatementLine sl{e.seq, e.at, std::string(KindName(e.kind)), l.account, e.memo,
                       std::string(Attr(e, "job")), std::string(Attr(e, "allocation")),
                       MsText(Attr(e, "from_ms")), MsText(Attr(e, "to_ms")), l.amount};
      (l.amount.v > 0 ? s.debits : s.credits) += l.amount;
      if (l.account.rfind("buyer:", 0) == 0) {
        switch (e.kind) {
          case EntryKind::kUsage: s.invoice.usage_charges += l.amount; break;
          case EntryKind::kVoucher: s.invoice.voucher_covered -= l.amount; break;
          case EntryKind::kSlaCredit: s.invoice.sla_credits -= l.amount; break;
          case EntryKind::kReversal: s.invoice.reversals += l.amount; break;
          default: break;
        }
      }
      s.lines.push_back(std::move(sl));
    }
    return OkStatus();
  });
  if (!st.ok()) return Err(st);
  s.invoice.amount_due = s.invoice.usage_charges - s.invoice.voucher_covered -
                         s.invoice.sla_credits + s.invoice.reversals;
  return s;
}

std::string StatementCsv(const Statement& s) {
  std::string out = "seq,at,kind,account,amount_fen,amount_yuan,job,allocation,usage_from,"
                    "usage_to,memo\n";
  for (const StatementLine& l : s.lines) {
    out += std::to_string(l.seq) + "," + FormatTimestamp(l.at) + "," + l.kind + "," +
           CsvField(l.account) + "," + std::to_string(l.amount.v) + "," + FormatYuan(l.amount) +
           "," + CsvField(l.job) + "," + CsvField(l.allocation) + "," + l.usage_from + "," +
           l.usage_to + "," + CsvField(l.memo) + "\n";
  }
  return out;
}

std::string StatementJson(const Statement& s) {
  nlohmann::json j;
  j["org"] = s.org;
  j["period"] = {{"label", s.period.label},
                 {"from", FormatTimestamp(s.period.from)},
                 {"to", FormatTimestamp(s.period.to)}};
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& [a, open] : s.opening) {
    Fen close = s.closing.count(a) ? s.closing.at(a) : open;
    accounts.push_back({{"account", a}, {"opening_fen", open.v}, {"closing_fen", close.v}});
  }
  j["accounts"] = accounts;
  nlohmann::json lines = nlohmann::json::array();
  for (const StatementLine& l : s.lines) {
    lines.push_back({{"seq", l.seq}, {"at", FormatTimestamp(l.at)}, {"kind", l.kind},
                     {"account", l.account}, {"amount_fen", l.amount.v}, {"job", l.job},
                     {"allocation", l.allocation}, {"usage_from", l.usage_from},
                     {"usage_to", l.usage_to}, {"memo", l.memo}});
  }
  j["lines"] = lines;
  j["debits_fen"] = s.debits.v;
  j["credits_fen"] = s.credits.v;
  j["invoice"] = {{"usage_charges_fen", s.invoice.usage_charges.v},
                  {"voucher_covered_fen", s.invoice.voucher_covered.v},
                  {"sla_credits_fen", s.invoice.sla_credits.v},
                  {"reversals_fen", s.invoice.reversals.v},
                  {"amount_due_fen", s.invoice.amount_due.v},
                  {"amount_due_yuan", FormatYuan(s.invoice.amount_due)}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<WriteOffReport> BuildWriteOff(LedgerStore& store, const std::string& supplier,
                                     const PeriodRange& period) {
  WriteOffReport r;
  r.supplier = supplier;
  r.period = period;
  std::map<std::string, WriteOffRow> rows;  // "<programme>\n<buyer>\n<application>"
  std::map<int64_t, std::string> voucher_rows;  // seq -> row key, to net reversals
  Status st = store.Scan(1, 0, [&](const Entry& e) {
    if (e.at < period.from || !(e.at < period.to)) return OkStatus();
    if (e.kind == EntryKind::kVoucher && Attr(e, "supplier") == supplier) {
      std::string k = std::string(Attr(e, "programme")) + "\n" + std::string(Attr(e, "buyer")) +
                      "\n" + std::string(Attr(e, "application"));
      WriteOffRow& row = rows[k];
      row.programme = Attr(e, "programme");
      row.buyer = Attr(e, "buyer");
      row.application = Attr(e, "application");
      row.vouchers += 1;
      row.amount += e.lines[0].amount;
      voucher_rows[e.seq] = k;
    } else if (e.kind == EntryKind::kReversal && voucher_rows.count(e.ref)) {
      WriteOffRow& row = rows[voucher_rows[e.ref]];
      row.vouchers -= 1;
      row.amount += e.lines[0].amount;  // the negated fund debit
    }
    return OkStatus();
  });
  if (!st.ok()) return Err(st);
  for (auto& [k, row] : rows) {
    r.total += row.amount;
    r.rows.push_back(std::move(row));
  }
  return r;
}

std::string WriteOffJson(const WriteOffReport& r) {
  nlohmann::json j;
  j["supplier"] = r.supplier;
  j["period"] = r.period.label;
  j["total_fen"] = r.total.v;
  j["rows"] = nlohmann::json::array();
  for (const WriteOffRow& row : r.rows) {
    j["rows"].push_back({{"programme", row.programme}, {"buyer", row.buyer},
                         {"application", row.application}, {"vouchers", row.vouchers},
                         {"amount_fen", row.amount.v}});
  }
  return j.dump(2);
}

}  // namespace suanli::ledger
