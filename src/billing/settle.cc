#include "billing/settle.h"

#include <algorithm>

namespace suanli::billing {

Settlement PlanSettlement(const domain::Interruption& i, const BilledByFrom& billed) {
  auto floor_s = [](int64_t ms) { return ms - ((ms % 1000) + 1000) % 1000; };
  const int64_t start = floor_s(i.started_at.ms);
  const int64_t failed = std::max(start, floor_s(i.failed_at.ms));
  const int64_t useful = std::clamp(floor_s(i.useful_until.ms), start, failed);
  const bool provider = i.provider_side();
  Settlement s;
  s.to_ms = failed;
  int64_t billed_to = start;    // where billing of the attempt stopped
  int64_t first_lost = failed;  // the start of the first entry reaching past useful_until
  bool any_lost = false;
  // The attempt's entries: periods starting in [start, failed).
  for (auto it = billed.lower_bound(start); it != billed.end() && it->first < failed; ++it) {
    const Billed& b = it->second;
    billed_to = std::max(billed_to, b.to_ms);
    if (!provider || b.to_ms <= useful) continue;
    if (!any_lost) first_lost = it->first;
    any_lost = true;
    if (b.voucher_seq != 0 && !b.voucher_reversed) s.reverse.push_back(b.voucher_seq);
    if (b.has_lines && !b.reversed) s.reverse.push_back(b.seq);
  }
  s.from_ms = any_lost ? first_lost : std::min(billed_to, failed);
  s.lost_s = provider ? (failed - std::max(useful, s.from_ms)) / 1000 : 0;
  s.billed_before_s = (s.from_ms - start) / 1000;
  return s;
}

}  // namespace suanli::billing
