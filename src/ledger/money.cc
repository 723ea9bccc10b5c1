#include "ledger/money.h"

#include <cstdlib>

namespace suanli::ledger {

std::string FormatYuan(Fen f) {
  int64_t v = f.v;
  std::string sign = v < 0 ? "-" : "";
  uint64_t a = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  std::string cents = std::to_string(a % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return sign + std::to_string(a / 100) + "." + cents;
}

int64_t DivRoundHalfEven(__int128 num, __int128 den) {
  __int128 q = num / den;  // truncates toward zero
  __int128 r = num % den;
  if (r != 0) {
    __int128 twice = (r < 0 ? -r : r) * 2;
    const bool negative = (num < 0);
    if (twice > den || (twice == den && (q % 2 != 0))) q += negative ? -1 : 1;
  }
  return static_cast<int64_t>(q);
}

Fen ChargeFor(int64_t units_milli, int64_t seconds, Fen fen_per_unit_hour) {
  // units are in thousandths (0.5 GPU share = 500, 64 GiB = 64000) so fractional units are exact.
  __int128 num = static_cast<__int128>(units_milli) * seconds * fen_per_unit_hour.v;
  return Fen(DivRoundHalfEven(num, static_cast<__int128>(3600) * 1000));
}

Fen ApplyBps(Fen amount, int64_t bps) {
  return Fen(DivRoundHalfEven(static_cast<__int128>(amount.v) * bps, 10000));
}

}  // namespace suanli::ledger
