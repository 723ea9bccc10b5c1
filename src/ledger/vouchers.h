// Compute vouchers (算力券): a regulator's subsidy programme, buyers' applications, and the
// entries that create, apply to and decide them. Programmes and decisions are journal entries
// themselves, so the subsidy rules sit in the same hash chain as the money they move.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "core/status.h"
#include "ledger/entry.h"

namespace suanli::ledger {

struct Programme {
  std::string id;         // "prog-2025-ai"
  std::string regulator;  // the regulator's org id
  std::string name;
  int64_t share_bps = 3000;       // share of each eligible bill covered (3000 = 30%)
  Fen min_contract;               // an application's declared contract must be at least this
  Fen cap_per_company;            // per buyer per calendar year (China Standard Time)
  Fen budget;                     // the whole programme; funds voucher:<id>:fund
  std::set<std::string> providers;  // eligible supplier orgs; empty = any
  std::set<std::string> kinds;      // "general", "ai", "hpc"; empty = any
  std::set<std::string> regions;    // empty = any
  Timestamp valid_from, valid_until;  // usage periods starting in [from, until) are covered
};

enum class AppState { kPending, kApproved, kRejected };
std::string_view AppStateName(AppState s);

struct Application {
  std::string id;
  std::string programme;
  std::string buyer;
  Fen contract;  // the declared contract value (checked against min_contract)
  AppState state = AppState::kPending;
};

// Entry drafts for the regulator's and buyer's actions.
EntryDraft ProgrammeDraft(const Programme& p);
EntryDraft ApplyDraft(const Application& a);
EntryDraft DecisionDraft(const std::string& application, const std::string& regulator,
                         bool approve, const std::string& reason);

// Decoding the programme back from its entry's attrs.
Result<Programme> ProgrammeFromAttrs(const Attrs& a);
Status ValidateProgramme(const Programme& p);

// The calendar year (UTC+8) of a timestamp: caps are per company per year.
int CstYear(Timestamp t);

// True when the usage entry's supplier, kind and region are eligible under `p`, and its period
// start lies in the programme's validity.
bool Eligible(const Programme& p, const EntryDraft& usage);
// True when buyer and supplier are the same organisation or in the same (non-empty) group.
bool RelatedParty(const EntryDraft& usage);

}  // namespace suanli::ledger
