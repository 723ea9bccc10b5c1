// Money in the ledger: integer fen (分, 1/100 yuan) and the exact integer arithmetic that turns
// per-hour prices into per-second charges. No floating point touches a money path.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace suanli::ledger {

// An amount of money in fen. A strong type: it adds and subtracts with itself only.
struct Fen {
  int64_t v = 0;
  constexpr Fen() = default;
  constexpr explicit Fen(int64_t fen) : v(fen) {}
  constexpr auto operator<=>(const Fen&) const = default;
  constexpr Fen operator+(Fen o) const { return Fen(v + o.v); }
  constexpr Fen operator-(Fen o) const { return Fen(v - o.v); }
  constexpr Fen operator-() const { return Fen(-v); }
  constexpr Fen& operator+=(Fen o) { v += o.v; return *this; }
  constexpr Fen& operator-=(Fen o) { v -= o.v; return *this; }
  static constexpr Fen Yuan(int64_t y) { return Fen(y * 100); }
};

// "-12.34" style text in yuan (exact; used by statements and CSV).
std::string FormatYuan(Fen f);

// num / den rounded half to even (banker's rounding). den > 0. Exact for all int64 inputs
// whose quotient fits.
int64_t DivRoundHalfEven(__int128 num, __int128 den);

// The charge for `units` x `seconds` at `fen_per_unit_hour`, rounded half-even to a fen:
// round(units * seconds * price / 3600). Exact (128-bit intermediate).
Fen ChargeFor(int64_t units_milli, int64_t seconds, Fen fen_per_unit_hour);

// `amount` x bps / 10000 rounded half-even (a fee or a share in basis points).
Fen ApplyBps(Fen amount, int64_t bps);

}  // namespace suanli::ledger
