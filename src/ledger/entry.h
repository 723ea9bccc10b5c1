// The journal's unit: an Entry of balanced lines, chained to its predecessor by hash.
// Sign convention (the platform's books): a line's amount is + for a debit, - for a credit;
// every entry's lines sum to exactly zero.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "ledger/money.h"

namespace suanli::ledger {

// What an entry records. The string names are stored and hashed; never renumber or rename.
enum class EntryKind {
  kTopup,            // buyer pays in: +platform:cash, -buyer:<org>:balance
  kUsage,            // metered use: +buyer balance, -supplier receivable, -platform fee revenue
  kVoucher,          // subsidy on a usage entry: +voucher:<prog>:fund, -buyer balance
  kSlaCredit,        // lost time credited: +platform:sla_credit_expense, -buyer balance
  kReversal,         // negates the lines of entry `ref`
  kProgramme,        // regulator creates a voucher programme and funds it (attrs = definition)
  kVoucherApply,     // a buyer applies to a programme (no lines)
  kVoucherDecision,  // the regulator approves or rejects an application (no lines)
  kPayout,           // supplier is paid: +supplier receivable, -platform:cash
};
std::string_view KindName(EntryKind k);
bool ParseKind(std::string_view s, EntryKind* out);

struct Line {
  std::string account;  // "buyer:<org>:balance", "supplier:<org>:receivable", ...
  Fen amount;           // + debit, - credit; never zero
  bool operator==(const Line&) const = default;
};

// Sorted (part of the canonical bytes); transparent comparator: lookups by string_view do not
// allocate.
using Attrs = std::map<std::string, std::string, std::less<>>;
using Hash = std::array<uint8_t, 32>;              // BLAKE2b-256

// What a caller posts: everything but the position in the chain.
struct EntryDraft {
  EntryKind kind = EntryKind::kTopup;
  std::string key;  // idempotency key, unique across the journal; required
  int64_t ref = 0;  // the entry this one refers to (reversal, voucher), 0 when none
  std::string memo;
  Attrs attrs;  // structured facts (buyer, supplier, job, period, programme, ...)
  std::vector<Line> lines;
};

// A committed entry.
struct Entry : EntryDraft {
  int64_t seq = 0;  // 1, 2, 3, ... without gaps
  Timestamp at;     // when it was posted; non-decreasing along the chain
  Hash prev_hash{};
  Hash hash{};
  // CanonicalBytes(*this), when known: filled by the Ledger when it seals the entry and by the
  // stores when they read it, so the bytes that are hashed are also the bytes that are stored,
  // built once. A cache: whoever changes a field after sealing must clear it.
  std::string encoded;
};

// The bytes that are hashed: every field except `hash`, length-prefixed, in a fixed order.
std::string CanonicalBytes(const Entry& e);
// BLAKE2b-256(prev_hash || CanonicalBytes(e)) (always recomputed from the fields).
Hash ComputeHash(const Entry& e);
// BLAKE2b-256(prev_hash || canonical).
Hash HashOf(const Hash& prev_hash, std::string_view canonical);
// The inverse of CanonicalBytes: fills every field but prev_hash, hash and encoded. DataLoss on
// malformed bytes.
Status DecodeCanonical(std::string_view bytes, Entry* e);
std::string HashHex(const Hash& h);
bool ParseHashHex(std::string_view hex, Hash* out);

// Structural checks on a draft: key present, account names well formed, no zero lines, lines
// sum to zero. InvalidArgument naming the problem otherwise.
Status CheckBalanced(const EntryDraft& d);

// Account names.
std::string BuyerBalance(std::string_view org);
std::string SupplierReceivable(std::string_view org);
std::string VoucherFund(std::string_view programme);
inline constexpr std::string_view kPlatformCash = "platform:cash";
inline constexpr std::string_view kFeeRevenue = "platform:fee_revenue";
inline constexpr std::string_view kSlaExpense = "platform:sla_credit_expense";
std::string RegulatorGrants(std::string_view org);

// The attribute `name`, or "" when absent.
std::string_view Attr(const EntryDraft& d, std::string_view name);
int64_t AttrInt(const EntryDraft& d, std::string_view name);

}  // namespace suanli::ledger
