#include "ledger/entry.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace suanli::ledger {
namespace {

constexpr std::string_view kKindNames[] = {"topup",     "usage",  "voucher",
                                           "sla_credit", "reversal", "programme",
                                           "voucher_apply", "voucher_decision", "payout"};

// Format v2's one-byte codes for well-known attribute names (code = index + 1; 0 = the name
// follows as a string). Part of the format: append only, never reorder.
constexpr std::string_view kAttrNames[] = {
    "job",         "allocation",     "offer",       "buyer",          "supplier",
    "buyer_group", "supplier_group", "kind",        "region",         "mode",
    "from_ms",     "to_ms",          "billable_s",  "lost_s",         "charge_fen",
    "fee_fen",     "items",          "failed",      "before_s",       "programme",
    "application", "year",           "usage_key",   "sla_credit_bps", "regulator",
    "share_bps",   "min_contract_fen", "cap_per_company_fen", "budget_fen", "providers",
    "kinds",       "regions",        "valid_from_ms", "valid_until_ms", "contract_fen",
    "decision",    "actor_user",     "actor_org",   "request_id",     "reason",
    "attempt",     "cause"};

size_t AttrCode(std::string_view name) {
  for (size_t i = 0; i < std::size(kAttrNames); ++i) {
    if (kAttrNames[i] == name) return i + 1;
  }
  return 0;
}

void PutVar(std::string* out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}
uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }
void PutVarStr(std::string* out, std::string_view s) {
  PutVar(out, s.size());
  out->append(s);
}

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

namespace {

std::string CanonicalBytesV1(const Entry& e) {
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

std::string CanonicalBytesV2(const Entry& e) {
  size_t size = 1 + 3 * 10 + 1 + 2 * 2 + e.key.size() + e.memo.size() + 2 * 2;
  for (const auto& [k, v] : e.attrs) size += 2 + k.size() + 2 + v.size();
  for (const Line& l : e.lines) size += 2 + l.account.size() + 10;
  std::string out;
  out.reserve(size);
  out.push_back(static_cast<char>(kEncodingV2));
  PutVar(&out, static_cast<uint64_t>(e.seq));
  PutVar(&out, ZigZag(e.at.ms));
  out.push_back(static_cast<char>(e.kind));
  PutVarStr(&out, e.key);
  PutVar(&out, ZigZag(e.ref));
  PutVarStr(&out, e.memo);
  PutVar(&out, e.attrs.size());
  for (const auto& [k, v] : e.attrs) {
    const size_t code = AttrCode(k);
    PutVar(&out, code);
    if (code == 0) PutVarStr(&out, k);
    PutVarStr(&out, v);
  }
  PutVar(&out, e.lines.size());
  for (const Line& l : e.lines) {
    PutVarStr(&out, l.account);
    PutVar(&out, ZigZag(l.amount.v));
  }
  return out;
}

}  // namespace

std::string CanonicalBytes(const Entry& e) {
  return e.encoding == kEncodingV1 ? CanonicalBytesV1(e) : CanonicalBytesV2(e);
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
  bool Var(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (b_.empty()) return false;
      const auto c = static_cast<uint8_t>(b_[0]);
      b_.remove_prefix(1);
      *v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) return true;
    }
    return false;
  }
  bool ZVar(int64_t* v) {
    uint64_t u;
    if (!Var(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  bool VarStr(std::string_view* s) {
    uint64_t n;
    if (!Var(&n) || n > b_.size()) return false;
    *s = b_.substr(0, n);
    b_.remove_prefix(n);
    return true;
  }
  bool Byte(uint8_t* v) {
    if (b_.empty()) return false;
    *v = static_cast<uint8_t>(b_[0]);
    b_.remove_prefix(1);
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

namespace {

Status DecodeV1(std::string_view bytes, Entry* e) {
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
  e->attrs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.Str(&k) || !r.Str(&v) || !e->attrs.AppendSorted(std::move(k), std::move(v))) {
      return bad();
    }
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
  e->encoding = kEncodingV1;
  return OkStatus();
}

Status DecodeV2(std::string_view bytes, Entry* e) {
  Reader r(bytes);
  uint8_t version = 0, kind = 0;
  uint64_t seq = 0, n = 0;
  std::string_view key, memo;
  auto bad = [&] { return DataLoss("ledger: malformed entry bytes"); };
  if (!r.Byte(&version) || version != kEncodingV2 || !r.Var(&seq) || !r.ZVar(&e->at.ms) ||
      !r.Byte(&kind) || kind >= std::size(kKindNames) || !r.VarStr(&key) || !r.ZVar(&e->ref) ||
      !r.VarStr(&memo) || !r.Var(&n) || n > bytes.size()) {
    return bad();
  }
  e->seq = static_cast<int64_t>(seq);
  e->kind = static_cast<EntryKind>(kind);
  e->key.assign(key);
  e->memo.assign(memo);
  e->attrs.clear();
  e->attrs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t code = 0;
    std::string_view k, v;
    if (!r.Var(&code) || code > std::size(kAttrNames)) return bad();
    if (code == 0) {
      // A well-known name spelled out would re-encode differently: not canonical.
      if (!r.VarStr(&k) || AttrCode(k) != 0) return bad();
    } else {
      k = kAttrNames[code - 1];
    }
    if (!r.VarStr(&v) || !e->attrs.AppendSorted(std::string(k), std::string(v))) return bad();
  }
  if (!r.Var(&n) || n > bytes.size()) return bad();
  e->lines.clear();
  e->lines.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view account;
    Line l;
    if (!r.VarStr(&account) || !r.ZVar(&l.amount.v)) return bad();
    l.account.assign(account);
    e->lines.push_back(std::move(l));
  }
  if (!r.done()) return bad();
  e->encoding = kEncodingV2;
  return OkStatus();
}

}  // namespace

Status DecodeCanonical(std::string_view bytes, Entry* e) {
  if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) == kEncodingV2) return DecodeV2(bytes, e);
  return DecodeV1(bytes, e);
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

Attrs::Attrs(std::initializer_list<value_type> init) {
  v_.reserve(init.size());
  for (const value_type& p : init) {
    auto it = LowerBound(p.first);
    if (it == v_.end() || it->first != p.first) v_.insert(it, p);
  }
}

std::vector<Attrs::value_type>::iterator Attrs::LowerBound(std::string_view name) {
  return std::lower_bound(v_.begin(), v_.end(), name,
                          [](const value_type& p, std::string_view n) { return p.first < n; });
}

Attrs::const_iterator Attrs::find(std::string_view name) const {
  auto it = std::lower_bound(v_.begin(), v_.end(), name,
                             [](const value_type& p, std::string_view n) { return p.first < n; });
  return it != v_.end() && it->first == name ? it : v_.end();
}

const std::string& Attrs::at(std::string_view name) const {
  auto it = find(name);
  if (it == end()) throw std::out_of_range("no attribute " + std::string(name));
  return it->second;
}

std::string& Attrs::operator[](std::string_view name) {
  auto it = LowerBound(name);
  if (it == v_.end() || it->first != name) it = v_.emplace(it, std::string(name), std::string());
  return it->second;
}

bool Attrs::AppendSorted(std::string name, std::string value) {
  if (!v_.empty() && !(v_.back().first < name)) return false;
  v_.emplace_back(std::move(name), std::move(value));
  return true;
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
