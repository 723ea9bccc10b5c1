#include "ledger/entry.h"

#include <sodium.h>

#include <charconv>

namespace suanli::ledger {
namespace {

constexpr std::string_view kKindNames[] = {"topup",     "usage",  "voucher",
                                           "sla_credit", "reversal", "programme",
                                           "voucher_apply", "voucher_decision", "payout"};

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutStr(std::string* out, std::string_view s) {
  PutU64(out, s.size());
  out->append(s);
}

bool ValidAccount(std::string_view a) {
  if (a.empty() || a.size() > 200) return false;
  if (a.find(':') == std::string_view::npos) return false;
  for (char c : a) {
    if (c == ',' || c == '\n' || c == '\r' || c == '"' || c == '\t') return false;
  }
  return true;
}

}  // namespace

std::string_view KindName(EntryKind k) { return kKindNames[static_cast<int>(k)]; }

bool ParseKind(std::string_view s, EntryKind* out) {
  for (size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == s) {
      *out = static_cast<EntryKind>(i);
      return true;
    }
  }
  return false;
}

std::string CanonicalBytes(const Entry& e) {
  size_t size = 16 + 8 * 8 + KindName(e.kind).size() + e.key.size() + e.memo.size();
  for (const auto& [k, v] : e.attrs) size += 16 + k.size() + v.size();
  for (const Line& l : e.lines) size += 16 + l.account.size();
  std::string out;
  out.reserve(size);
  out.append("suanli-ledger-v1");
  PutU64(&out, static_cast<uint64_t>(e.seq));
  PutU64(&out, static_cast<uint64_t>(e.at.ms));
  PutStr(&out, KindName(e.kind));
  PutStr(&out, e.key);
  PutU64(&out, static_cast<uint64_t>(e.ref));
  PutStr(&out, e.memo);
  PutU64(&out, e.attrs.size());
  for (const auto& [k, v] : e.attrs) {
    PutStr(&out, k);
    PutStr(&out, v);
  }
  PutU64(&out, e.lines.size());
  for (const Line& l : e.lines) {
    PutStr(&out, l.account);
    PutU64(&out, static_cast<uint64_t>(l.amount.v));
  }
  return out;
}

Hash ComputeHash(const Entry& e) { return HashOf(e.prev_hash, CanonicalBytes(e)); }

Hash HashOf(const Hash& prev_hash, std::string_view canonical) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, prev_hash.data(), prev_hash.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(canonical.data()),
                            canonical.size());
  Hash h;
  crypto_generichash_final(&st, h.data(), h.size());
  return h;
}

namespace {

// Reads CanonicalBytes back; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool U64(uint64_t* v) {
    if (b_.size() < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v |= static_cast<uint64_t>(static_cast<uint8_t>(b_[i])) << (8 * i);
    b_.remove_prefix(8);
    return true;
  }
  bool I64(int64_t* v) {
    uint64_t u;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Str(std::string_view* s) {
    uint64_t n;
    if (!U64(&n) || n > b_.size()) return false;
    *s = b_.substr(0, n);
    b_.remove_prefix(n);
    return true;
  }
  bool Str(std::string* s) {
    std::string_view v;
    if (!Str(&v)) return false;
    s->assign(v);
    return true;
  }
  bool Literal(std::string_view lit) {
    if (b_.substr(0, lit.size()) != lit) return false;
    b_.remove_prefix(lit.size());
    return true;
  }
  bool done() const { return b_.empty(); }

 private:
  std::string_view b_;
};

}  // namespace

Status DecodeCanonical(std::string_view bytes, Entry* e) {
  Reader r(bytes);
  std::string_view kind;
  uint64_t n = 0;
  auto bad = [&] { return DataLoss("ledger: malformed entry bytes"); };
  if (!r.Literal("suanli-ledger-v1") || !r.I64(&e->seq) || !r.I64(&e->at.ms) || !r.Str(&kind) ||
      !ParseKind(kind, &e->kind) || !r.Str(&e->key) || !r.I64(&e->ref) || !r.Str(&e->memo) ||
      !r.U64(&n) || n > bytes.size()) {
    return bad();
  }
  e->attrs.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.Str(&k) || !r.Str(&v)) return bad();
    e->attrs.emplace_hint(e->attrs.end(), std::move(k), std::move(v));
  }
  if (!r.U64(&n) || n > bytes.size()) return bad();
  e->lines.clear();
  e->lines.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    Line l;
    if (!r.Str(&l.account) || !r.I64(&l.amount.v)) return bad();
    e->lines.push_back(std::move(l));
  }
  if (!r.done()) return bad();
  return OkStatus();
}

std::string HashHex(const Hash& h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < 32; ++i) {
    s[2 * i] = kHex[h[i] >> 4];
    s[2 * i + 1] = kHex[h[i] & 15];
  }
  return s;
}

bool ParseHashHex(std::string_view hex, Hash* out) {
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    auto r = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, v, 16);
    if (r.ec != std::errc() || r.ptr != hex.data() + 2 * i + 2) return false;
    (*out)[i] = static_cast<uint8_t>(v);
  }
  return true;
}

Status CheckBalanced(const EntryDraft& d) {
  if (d.key.empty() || d.key.size() > 300) return InvalidArgument("bad idempotency key", "key");
  __int128 sum = 0;
  for (size_t i = 0; i < d.lines.size(); ++i) {
    const Line& l = d.lines[i];
    auto field = [i](const char* f) { return "lines[" + std::to_string(i) + "]." + f; };
    if (!ValidAccount(l.account)) return InvalidArgument("bad account name", field("account"));
    if (l.amount.v == 0) return InvalidArgument("zero amount", field("amount"));
    sum += l.amount.v;
  }
  if (sum != 0) {
    return InvalidArgument("entry " + d.key + " does not balance: lines sum to " +
                               std::to_string(static_cast<int64_t>(sum)) + " fen",
                           "lines");
  }
  return OkStatus();
}

std::string BuyerBalance(std::string_view org) { return "buyer:" + std::string(org) + ":balance"; }
std::string SupplierReceivable(std::string_view org) {
  return "supplier:" + std::string(org) + ":receivable";
}
std::string VoucherFund(std::string_view programme) {
  return "voucher:" + std::string(programme) + ":fund";
}
std::string RegulatorGrants(std::string_view org) {
  return "regulator:" + std::string(org) + ":grants";
}

std::string_view Attr(const EntryDraft& d, std::string_view name) {
  auto it = d.attrs.find(name);
  return it == d.attrs.end() ? std::string_view() : std::string_view(it->second);
}

int64_t AttrInt(const EntryDraft& d, std::string_view name) {
  std::string_view s = Attr(d, name);
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace suanli::ledger
