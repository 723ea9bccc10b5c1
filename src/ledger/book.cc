#include "ledger/book.h"

#include <algorithm>

namespace suanli::ledger {
namespace {

std::string UsedKey(std::string_view prog, std::string_view buyer, int year) {
  return std::string(prog) + "\n" + std::string(buyer) + "\n" + std::to_string(year);
}

Status Violation(const Entry& e, const std::string& what) {
  return FailedPrecondition("entry " + std::to_string(e.seq) + " (" + e.key + "): " + what);
}

// Whether `l` is on the account "<prefix><org><suffix>" (no string built).
bool AccountIs(const Line& l, std::string_view prefix, std::string_view org,
               std::string_view suffix) {
  std::string_view a = l.account;
  return a.size() == prefix.size() + org.size() + suffix.size() && a.starts_with(prefix) &&
         a.ends_with(suffix) && a.substr(prefix.size(), org.size()) == org;
}

}  // namespace

int64_t Book::FindKey(std::string_view key, uint64_t hash, const EntryLookup& lookup) const {
  return keys_.Find(hash, [&](int64_t seq) {
    Result<Entry> e = lookup(seq);
    return e && e->key == key;
  });
}

int64_t Book::SeqOfKey(std::string_view key, const EntryLookup& lookup) const {
  return FindKey(key, KeyIndex::HashOf(key), lookup);
}

Fen Book::Balance(const std::string& account) const {
  auto it = balances_.find(account);
  return it == balances_.end() ? Fen() : it->second;
}

Fen Book::Spent(const std::string& programme) const {
  auto it = spent_.find(programme);
  return it == spent_.end() ? Fen() : it->second;
}

Fen Book::UsedBy(const std::string& programme, const std::string& buyer, int year) const {
  auto it = used_.find(UsedKey(programme, buyer, year));
  return it == used_.end() ? Fen() : it->second;
}

Status Book::Admit(const Entry& e, const EntryLookup& lookup) {
  if (e.seq != last_seq_ + 1) {
    return Violation(e, "seq does not follow " + std::to_string(last_seq_));
  }
  if (e.prev_hash != last_hash_) return Violation(e, "prev_hash does not match entry " +
                                                         std::to_string(last_seq_) + "'s hash");
  if (e.at < last_at_) return Violation(e, "time goes backwards");
  if (Status st = CheckBalanced(e); !st.ok()) return Violation(e, st.message());
  const uint64_t key_hash = KeyIndex::HashOf(e.key);
  if (int64_t seq = FindKey(e.key, key_hash, lookup)) {
    return Violation(e, "idempotency key already used by entry " + std::to_string(seq));
  }
  Entry original;
  if (e.kind == EntryKind::kReversal) {
    SUANLI_RETURN_IF_ERROR(CheckReversal(e, lookup, &original));
  } else {
    SUANLI_RETURN_IF_ERROR(CheckKind(e, lookup));
  }
  // Apply. Nothing above mutated state.
  switch (e.kind) {
    case EntryKind::kProgramme: {
      Programme p = *ProgrammeFromAttrs(e.attrs);
      programmes_[p.id] = std::move(p);
      break;
    }
    case EntryKind::kVoucherApply: {
      Application a{std::string(Attr(e, "application")), std::string(Attr(e, "programme")),
                    std::string(Attr(e, "buyer")), Fen(AttrInt(e, "contract_fen")),
                    AppState::kPending};
      applications_[a.id] = std::move(a);
      break;
    }
    case EntryKind::kVoucherDecision: {
      Application& a = applications_.at(std::string(Attr(e, "application")));
      a.state = Attr(e, "decision") == "approved" ? AppState::kApproved : AppState::kRejected;
      if (a.state == AppState::kApproved) approved_by_buyer_[a.buyer].push_back(a.id);
      break;
    }
    case EntryKind::kVoucher: ApplyVoucher(e, +1); break;
    case EntryKind::kReversal:
      reversed_.insert(e.ref);
      if (original.kind == EntryKind::kVoucher) ApplyVoucher(original, -1);
      break;
    default: break;
  }
  for (const Line& l : e.lines) balances_[l.account] += l.amount;
  keys_.Add(key_hash, e.seq);
  last_usage_seq_ = e.kind == EntryKind::kUsage ? e.seq : 0;
  last_seq_ = e.seq;
  last_hash_ = e.hash;
  last_at_ = e.at;
  return OkStatus();
}

void Book::ApplyVoucher(const EntryDraft& v, int sign) {
  Fen amount;
  for (const Line& l : v.lines) {
    if (l.amount.v > 0) amount += l.amount;
  }
  if (sign < 0) amount = -amount;
  const std::string prog(Attr(v, "programme"));
  spent_[prog] += amount;
  used_[UsedKey(prog, Attr(v, "buyer"), static_cast<int>(AttrInt(v, "year")))] += amount;
}

Status Book::CheckKind(const Entry& e, const EntryLookup& lookup) const {
  switch (e.kind) {
    case EntryKind::kUsage: return CheckUsage(e);
    case EntryKind::kVoucher: return CheckVoucher(e, lookup);
    case EntryKind::kProgramme: {
      Result<Programme> p = ProgrammeFromAttrs(e.attrs);
      if (!p) return Violation(e, p.error().message());
      if (programmes_.contains(p->id)) return Violation(e, "programme exists");
      if (e.lines != ProgrammeDraft(*p).lines) return Violation(e, "programme funding lines");
      return OkStatus();
    }
    case EntryKind::kVoucherApply: {
      if (!e.lines.empty()) return Violation(e, "an application moves no money");
      const std::string id(Attr(e, "application")), prog(Attr(e, "programme"));
      auto p = programmes_.find(prog);
      if (id.empty() || applications_.contains(id)) return Violation(e, "bad application id");
      if (p == programmes_.end()) return Violation(e, "no programme " + prog);
      if (Attr(e, "buyer").empty()) return Violation(e, "application without buyer");
      if (AttrInt(e, "contract_fen") < p->second.min_contract.v) {
        return Violation(e, "contract below the programme minimum");
      }
      if (!(e.at < p->second.valid_until)) return Violation(e, "programme has expired");
      return OkStatus();
    }
    case EntryKind::kVoucherDecision: {
      if (!e.lines.empty()) return Violation(e, "a decision moves no money");
      auto a = applications_.find(std::string(Attr(e, "application")));
      if (a == applications_.end()) return Violation(e, "no such application");
      if (a->second.state != AppState::kPending) return Violation(e, "application decided");
      if (programmes_.at(a->second.programme).regulator != Attr(e, "regulator")) {
        return Violation(e, "only the programme's regulator decides");
      }
      std::string_view d = Attr(e, "decision");
      if (d != "approved" && d != "rejected") return Violation(e, "decision must be approved|rejected");
      return OkStatus();
    }
    case EntryKind::kTopup:
    case EntryKind::kSlaCredit:
    case EntryKind::kPayout:
      if (e.lines.empty()) return Violation(e, "no lines");
      return OkStatus();
    case EntryKind::kReversal: break;
  }
  return OkStatus();
}

Status Book::CheckUsage(const Entry& e) const {
  const std::string_view buyer = Attr(e, "buyer"), supplier = Attr(e, "supplier");
  if (buyer.empty() || supplier.empty()) return Violation(e, "usage needs buyer and supplier");
  Fen charge;
  for (const Line& l : e.lines) {
    if (AccountIs(l, "buyer:", buyer, ":balance") && l.amount.v > 0) {
      charge += l.amount;
    } else if (!((AccountIs(l, "supplier:", supplier, ":receivable") ||
                  l.account == kFeeRevenue) &&
                 l.amount.v < 0)) {
      return Violation(e, "usage line on unexpected account " + l.account);
    }
  }
  if (charge.v != AttrInt(e, "charge_fen")) return Violation(e, "charge_fen differs from lines");
  return OkStatus();
}

Status Book::CheckVoucher(const Entry& e, const EntryLookup& lookup) const {
  if (last_usage_seq_ == 0 || e.ref != last_usage_seq_) {
    return Violation(e, "a voucher must directly follow the usage entry it covers");
  }
  Result<Entry> usage = lookup(e.ref);
  if (!usage) return Violation(e, "cannot read the covered usage entry");
  const Entry& u = *usage;
  const std::string prog(Attr(e, "programme")), buyer(Attr(e, "buyer"));
  auto p = programmes_.find(prog);
  if (p == programmes_.end()) return Violation(e, "no programme " + prog);
  auto a = applications_.find(std::string(Attr(e, "application")));
  if (a == applications_.end() || a->second.state != AppState::kApproved ||
      a->second.buyer != buyer || a->second.programme != prog) {
    return Violation(e, "no approved application of this buyer to " + prog);
  }
  if (buyer != Attr(u, "buyer") || Attr(e, "supplier") != Attr(u, "supplier")) {
    return Violation(e, "voucher parties differ from the usage entry");
  }
  if (RelatedParty(u)) return Violation(e, "related-party use is not subsidised");
  if (!Eligible(p->second, u)) return Violation(e, "usage not eligible under " + prog);
  const int year = CstYear(Timestamp{AttrInt(u, "from_ms")});
  if (AttrInt(e, "year") != year) return Violation(e, "voucher year differs from usage period");
  if (e.lines.size() != 2 || e.lines[0].account != VoucherFund(prog) ||
      e.lines[1].account != BuyerBalance(buyer) || e.lines[0].amount.v <= 0) {
    return Violation(e, "voucher lines must be +fund, -buyer balance");
  }
  const Fen amount = e.lines[0].amount;
  if (amount > ApplyBps(Fen(AttrInt(u, "charge_fen")), p->second.share_bps)) {
    return Violation(e, "voucher exceeds the programme's share of the bill");
  }
  if (UsedBy(prog, buyer, year) + amount > p->second.cap_per_company) {
    return Violation(e, "voucher exceeds the cap per company");
  }
  if (Spent(prog) + amount > p->second.budget) return Violation(e, "programme budget exceeded");
  return OkStatus();
}

Status Book::CheckReversal(const Entry& e, const EntryLookup& lookup, Entry* original) const {
  if (e.ref <= 0 || e.ref >= e.seq) return Violation(e, "reversal must reference an earlier entry");
  if (reversed_.contains(e.ref)) return Violation(e, "entry already reversed");
  Result<Entry> o = lookup(e.ref);
  if (!o) return Violation(e, "cannot read the reversed entry: " + o.error().message());
  if (o->kind == EntryKind::kReversal || o->lines.empty()) {
    return Violation(e, "only money-moving, non-reversal entries can be reversed");
  }
  if (o->kind == EntryKind::kProgramme) return Violation(e, "programmes are not reversible");
  if (e.lines.size() != o->lines.size()) return Violation(e, "reversal must negate every line");
  for (size_t i = 0; i < e.lines.size(); ++i) {
    if (e.lines[i].account != o->lines[i].account || e.lines[i].amount != -o->lines[i].amount) {
      return Violation(e, "reversal must negate every line");
    }
  }
  *original = std::move(*o);
  return OkStatus();
}

std::optional<EntryDraft> Book::VoucherFor(const Entry& usage) const {
  const Fen charge(AttrInt(usage, "charge_fen"));
  if (charge.v <= 0 || RelatedParty(usage)) return std::nullopt;
  const std::string buyer(Attr(usage, "buyer"));
  auto apps = approved_by_buyer_.find(buyer);
  if (apps == approved_by_buyer_.end()) return std::nullopt;
  const int year = CstYear(Timestamp{AttrInt(usage, "from_ms")});
  for (const std::string& app_id : apps->second) {
    const Application& a = applications_.at(app_id);
    const Programme& p = programmes_.at(a.programme);
    if (!Eligible(p, usage)) continue;
    Fen cover = std::min({ApplyBps(charge, p.share_bps),
                          p.cap_per_company - UsedBy(p.id, buyer, year),
                          p.budget - Spent(p.id)});
    if (cover.v <= 0) continue;
    EntryDraft v;
    v.kind = EntryKind::kVoucher;
    v.key = "voucher:" + usage.key;
    v.ref = usage.seq;
    v.memo = "算力券 " + p.id;
    v.attrs = {{"programme", p.id},
               {"application", a.id},
               {"buyer", buyer},
               {"supplier", std::string(Attr(usage, "supplier"))},
               {"year", std::to_string(year)},
               {"usage_key", usage.key}};
    v.lines = {{VoucherFund(p.id), cover}, {BuyerBalance(buyer), -cover}};
    return v;
  }
  return std::nullopt;
}

}  // namespace suanli::ledger
