// The journal's unit: an Entry of balanced lines, chained to its predecessor by hash.
// Sign convention (the platform's books): a line's amount is + for a debit, - for a credit;
// every entry's lines sum to exactly zero.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
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

// An entry's attributes: name -> value, sorted by name, names unique (part of the canonical
// bytes). A flat sorted vector, not a tree: one allocation for all of an entry's attributes
// (most names and values fit in std::string's inline buffer), cheap to build, copy and free.
class Attrs {
 public:
  using value_type = std::pair<std::string, std::string>;
  using const_iterator = std::vector<value_type>::const_iterator;
  using iterator = const_iterator;

  Attrs() = default;
  // Sorts by name; a repeated name keeps its first value (as std::map would).
  Attrs(std::initializer_list<value_type> init);
  Attrs& operator=(std::initializer_list<value_type> init) { return *this = Attrs(init); }

  const_iterator begin() const { return v_.begin(); }
  const_iterator end() const { return v_.end(); }
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  void clear() { v_.clear(); }
  void reserve(size_t n) { v_.reserve(n); }
  const_iterator find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != end(); }
  const std::string& at(std::string_view name) const;  // throws std::out_of_range when absent
  // The value of `name`, inserted empty (in order) when absent.
  std::string& operator[](std::string_view name);
  // Appends a pair whose name sorts after every name present (decoders); false otherwise.
  bool AppendSorted(std::string name, std::string value);
  bool operator==(const Attrs&) const = default;

 private:
  std::vector<value_type>::iterator LowerBound(std::string_view name);
  std::vector<value_type> v_;
};
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
  // The canonical encoding its hash covers: kEncodingV2 for new entries; kEncodingV1 for
  // entries written before it (kept as they are: their hash covers their v1 bytes).
  uint8_t encoding = 2;
  // CanonicalBytes(*this), when known: filled by the Ledger when it seals the entry and by the
  // stores when they read it, so the bytes that are hashed are also the bytes that are stored,
  // built once. A cache: whoever changes a field after sealing must clear it.
  std::string encoded;
};

// Canonical encodings. v1: the 16-byte magic "suanli-ledger-v1", then every field with fixed
// 8-byte lengths and integers. v2: the byte 0x02, then varints (lengths, seq, time; zigzag for
// ref and amounts), the kind as one byte, well-known attribute names as one-byte codes.
inline constexpr uint8_t kEncodingV1 = 1;
inline constexpr uint8_t kEncodingV2 = 2;

// The bytes that are hashed: every field except `hash` (and `encoding`, which selects the
// format), in a fixed order, in the format `e.encoding` names.
std::string CanonicalBytes(const Entry& e);
// BLAKE2b-256(prev_hash || CanonicalBytes(e)) (always recomputed from the fields).
Hash ComputeHash(const Entry& e);
// BLAKE2b-256(prev_hash || canonical).
Hash HashOf(const Hash& prev_hash, std::string_view canonical);
// The inverse of CanonicalBytes (either format): fills every field but prev_hash, hash and
// encoded, and sets `encoding`. DataLoss on malformed bytes (including attribute names out of
// order).
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
