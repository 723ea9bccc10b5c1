#include "ledger/meter.h"

#include <nlohmann/json.hpp>

namespace suanli::ledger {

std::string_view BillingModeName(BillingMode m) {
  switch (m) {
    case BillingMode::kOnDemand: return "on_demand";
    case BillingMode::kReserved: return "reserved";
    case BillingMode::kSpot: return "spot";
  }
  return "?";
}

namespace {

std::string KeySuffix(const UsageRecord& r) {
  return r.attempt >= 0 ? ":attempt" + std::to_string(r.attempt) : std::string();
}

}  // namespace

std::string UsageKey(const UsageRecord& r) {
  return "usage:" + r.allocation + ":" + std::to_string(r.from.ms) + KeySuffix(r);
}

namespace {

Status Validate(const UsageRecord& r) {
  if (r.allocation.empty()) return InvalidArgument("allocation required", "allocation");
  if (r.buyer.empty()) return InvalidArgument("buyer required", "buyer");
  if (r.supplier.empty()) return InvalidArgument("supplier required", "supplier");
  if (r.to < r.from) return InvalidArgument("period ends before it starts", "to");
  if ((r.to.ms - r.from.ms) % 1000 != 0) return InvalidArgument("whole seconds only", "to");
  const int64_t seconds = (r.to.ms - r.from.ms) / 1000;
  if (r.lost_seconds < 0 || r.lost_seconds > seconds) {
    return InvalidArgument("lost seconds outside the period", "lost_seconds");
  }
  if (r.billed_seconds_before < 0) return InvalidArgument("negative", "billed_seconds_before");
  if (r.sla_credit_bps < 0 || r.sla_credit_bps > 10000) {
    return InvalidArgument("SLA credit 0..10000 bps", "sla_credit_bps");
  }
  for (size_t i = 0; i < r.items.size(); ++i) {
    if (r.items[i].units_milli < 0 || r.items[i].fen_per_unit_hour.v < 0) {
      return InvalidArgument("negative units or price", "items[" + std::to_string(i) + "]");
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<EntryDraft>> MeterUsage(const UsageRecord& r, const MeterConfig& config) {
  if (Status st = Validate(r); !st.ok()) return Err(st);
  const int64_t seconds = (r.to.ms - r.from.ms) / 1000;
  const int64_t billable = seconds - r.lost_seconds;
  const int64_t before = r.billed_seconds_before;
  Fen charge, lost_value;
  // Compact, and enough to recompute the charge: [[resource, units_milli, fen_per_unit_hour],
  // ...] with billed seconds before (before_s) and lost seconds (lost_s).
  std::string items = "[";
  for (const UsageItem& it : r.items) {
    charge += ChargeFor(it.units_milli, before + billable, it.fen_per_unit_hour) -
              ChargeFor(it.units_milli, before, it.fen_per_unit_hour);
    lost_value += ChargeFor(it.units_milli, r.lost_seconds, it.fen_per_unit_hour);
    if (items.size() > 1) items += ',';
    items += '[' + nlohmann::json(it.resource).dump() + ',' + std::to_string(it.units_milli) +
             ',' + std::to_string(it.fen_per_unit_hour.v) + ']';
  }
  items += ']';
  const Fen fee = ApplyBps(charge, config.fee_bps);
  EntryDraft u;
  u.kind = EntryKind::kUsage;
  u.key = UsageKey(r);
  u.memo = "job " + r.job + " allocation " + r.allocation;
  u.attrs = {{"job", r.job},
             {"allocation", r.allocation},
             {"buyer", r.buyer},
             {"supplier", r.supplier},
             {"kind", r.kind},
             {"region", r.region},
             {"mode", std::string(BillingModeName(r.mode))},
             {"from_ms", std::to_string(r.from.ms)},
             {"to_ms", std::to_string(r.to.ms)},
             {"charge_fen", std::to_string(charge.v)},
             {"items", std::move(items)}};
  // Empty or zero facts are left out (an absent attribute reads as "" / 0).
  if (!r.offer.empty()) u.attrs["offer"] = r.offer;
  if (!r.buyer_group.empty()) u.attrs["buyer_group"] = r.buyer_group;
  if (!r.supplier_group.empty()) u.attrs["supplier_group"] = r.supplier_group;
  if (r.lost_seconds > 0) u.attrs["lost_s"] = std::to_string(r.lost_seconds);
  if (before > 0) u.attrs["before_s"] = std::to_string(before);
  if (r.failed) u.attrs["failed"] = "1";
  if (r.attempt >= 0) u.attrs["attempt"] = std::to_string(r.attempt);
  if (charge.v > 0) u.lines.push_back({BuyerBalance(r.buyer), charge});
  if ((charge - fee).v != 0) u.lines.push_back({SupplierReceivable(r.supplier), -(charge - fee)});
  if (fee.v != 0) u.lines.push_back({std::string(kFeeRevenue), -fee});
  std::vector<EntryDraft> out;
  out.push_back(std::move(u));  // (a braced list would copy it)

  const Fen credit = ApplyBps(lost_value, r.sla_credit_bps);
  if (credit.v > 0) {
    EntryDraft s;
    s.kind = EntryKind::kSlaCredit;
    s.key = "sla:" + r.allocation + ":" + std::to_string(r.from.ms) + KeySuffix(r);
    s.memo = "SLA credit for " + std::to_string(r.lost_seconds) + " s lost, job " + r.job;
    s.attrs = {{"job", r.job},
               {"allocation", r.allocation},
               {"buyer", r.buyer},
               {"supplier", r.supplier},
               {"lost_s", std::to_string(r.lost_seconds)},
               {"sla_credit_bps", std::to_string(r.sla_credit_bps)},
               {"usage_key", out[0].key}};
    s.lines = {{std::string(kSlaExpense), credit}, {BuyerBalance(r.buyer), -credit}};
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace suanli::ledger
