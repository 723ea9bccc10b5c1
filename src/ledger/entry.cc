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
  std::string out;
  out.reserve(256);
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

Hash ComputeHash(const Entry& e) {
  std::string bytes = CanonicalBytes(e);
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, e.prev_hash.data(), e.prev_hash.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
  Hash h;
  crypto_generichash_final(&st, h.data(), h.size());
  return h;
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
    const std::string field = "lines[" + std::to_string(i) + "]";
    if (!ValidAccount(l.account)) return InvalidArgument("bad account name", field + ".account");
    if (l.amount.v == 0) return InvalidArgument("zero amount", field + ".amount");
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
  auto it = d.attrs.find(std::string(name));
  return it == d.attrs.end() ? std::string_view() : std::string_view(it->second);
}

int64_t AttrInt(const EntryDraft& d, std::string_view name) {
  std::string_view s = Attr(d, name);
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace suanli::ledger
