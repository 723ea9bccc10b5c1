// Statements, invoices and the voucher write-off (核销) report, computed from the journal.
// Periods are calendar days or months in China Standard Time (UTC+8, no DST).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "ledger/ledger_store.h"

namespace suanli::ledger {

enum class Period { kDay, kMonth };

// [from, to) of the day or month (UTC+8) containing `t`, and its label ("2025-03-14", "2025-03").
struct PeriodRange {
  Timestamp from, to;
  std::string label;
};
PeriodRange PeriodContaining(Period p, Timestamp t);

struct StatementLine {
  int64_t seq = 0;
  Timestamp at;
  std::string kind, account, memo, job, allocation, usage_from, usage_to;
  Fen amount;  // + debit, - credit, as in the journal
};

// What a buyer owes for the period (from its balance account's lines).
struct Invoice {
  Fen usage_charges;    // usage debits
  Fen voucher_covered;  // paid by compute vouchers
  Fen sla_credits;
  Fen reversals;        // net effect of reversing entries (corrections)
  Fen amount_due;       // usage - vouchers - SLA credits + reversals
};

struct Statement {
  std::string org;
  PeriodRange period;
  std::map<std::string, Fen> opening, closing;  // per account of the org
  std::vector<StatementLine> lines;
  Fen debits, credits;  // of the period's lines
  Invoice invoice;
};

// The statement of `org` (its buyer:, supplier: and regulator: accounts) for `period`.
// closing = opening + sum(lines) per account, by construction and checked by tests.
Result<Statement> BuildStatement(LedgerStore& store, const std::string& org,
                                 const PeriodRange& period);
std::string StatementCsv(const Statement& s);
std::string StatementJson(const Statement& s);

// 核销: subsidy redeemed on bills from one supplier in a period, per programme and buyer.
struct WriteOffRow {
  std::string programme, buyer, application;
  int64_t vouchers = 0;  // voucher entries (net of reversed ones)
  Fen amount;
};
struct WriteOffReport {
  std::string supplier;
  PeriodRange period;
  std::vector<WriteOffRow> rows;
  Fen total;
};
Result<WriteOffReport> BuildWriteOff(LedgerStore& store, const std::string& supplier,
                                     const PeriodRange& period);
std::string WriteOffJson(const WriteOffReport& r);

}  // namespace suanli::ledger
