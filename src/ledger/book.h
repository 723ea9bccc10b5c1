// Book: the state derived from the journal by applying its entries in order — chain head,
// idempotency keys, balances, voucher programmes and applications, subsidy used per programme
// and per company-year — and the rules every entry must satisfy to join the journal. The
// Ledger's writer admits new entries through it; Verify replays the whole journal through the
// same code, so the rules that admit an entry are exactly the rules that verify it.
// Not thread-safe: the owner serialises access.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ledger/entry.h"
#include "ledger/key_index.h"
#include "ledger/vouchers.h"

namespace suanli::ledger {

// Fetches an earlier committed (or in-flight) entry by seq; NotFound when absent.
using EntryLookup = std::function<Result<Entry>(int64_t seq)>;

class Book {
 public:
  // Checks that `e` may follow the entries admitted so far (position in the chain, balance,
  // idempotency, the rules of its kind) and, if so, applies it. Nothing changes on error.
  // Does not recompute e.hash (Verify does).
  Status Admit(const Entry& e, const EntryLookup& lookup);

  // The voucher entry (unsealed) that the rules grant on a usage entry just admitted, if any:
  // the buyer's first approved application (in approval order) whose programme is valid at the
  // usage period, eligible for the supplier/kind/region, not a related party, with cap and
  // budget left. Cover = min(share of the charge, cap left, budget left).
  std::optional<EntryDraft> VoucherFor(const Entry& usage) const;

  int64_t last_seq() const { return last_seq_; }
  const Hash& last_hash() const { return last_hash_; }
  Timestamp last_at() const { return last_at_; }
  // The seq of the entry with idempotency key `key`, 0 when none. `lookup` reads the entries
  // whose key hash matches, to confirm the key itself (see KeyIndex).
  int64_t SeqOfKey(std::string_view key, const EntryLookup& lookup) const;
  Fen Balance(const std::string& account) const;
  const std::unordered_map<std::string, Fen>& balances() const { return balances_; }
  const std::map<std::string, Programme>& programmes() const { return programmes_; }
  const std::map<std::string, Application>& applications() const { return applications_; }
  // Subsidy granted so far by `programme` (net of reversals), and to `buyer` in `year`.
  Fen Spent(const std::string& programme) const;
  Fen UsedBy(const std::string& programme, const std::string& buyer, int year) const;

 private:
  Status CheckKind(const Entry& e, const EntryLookup& lookup) const;
  Status CheckUsage(const Entry& e) const;
  int64_t FindKey(std::string_view key, uint64_t hash, const EntryLookup& lookup) const;
  Status CheckVoucher(const Entry& e, const EntryLookup& lookup) const;
  Status CheckReversal(const Entry& e, const EntryLookup& lookup, Entry* original) const;
  void ApplyVoucher(const EntryDraft& v, int sign);

  int64_t last_seq_ = 0;
  Hash last_hash_{};
  Timestamp last_at_{0};
  KeyIndex keys_;
  std::unordered_map<std::string, Fen> balances_;
  std::map<std::string, Programme> programmes_;
  std::map<std::string, Application> applications_;
  std::unordered_map<std::string, std::vector<std::string>> approved_by_buyer_;  // app ids
  std::map<std::string, Fen> spent_;
  std::map<std::string, Fen> used_;  // "<programme>\n<buyer>\n<year>"
  std::unordered_set<int64_t> reversed_;
  int64_t last_usage_seq_ = 0;  // the previous entry's seq when it was a usage entry
};

}  // namespace suanli::ledger
