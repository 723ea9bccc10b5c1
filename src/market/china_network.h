// A model of China's network for placement: where cities are, and the one-way latency between
// a buyer's city and a site. Tiers follow the national "compute internet" latency rings: same
// city ≈1 ms, same province ≈5 ms, across provinces and hubs ≈20 ms. Within a ring latency
// grows with great-circle distance (light in fibre, routes ~1.5× the straight line), so a site
// 1,500 km away is slower than one 500 km away. See docs/market.md for the derivation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace suanli::market {

struct City {
  std::string name;      // "成都市"
  std::string province;  // "四川省"
  double latitude = 0;
  double longitude = 0;
};

// Provincial capitals, the national hub cities and other large cities (every city the demo
// network has a site in). Sites carry their own coordinates; this table places buyers.
const std::vector<City>& Cities();

// The city named `name` ("成都市", or "成都" without the suffix); nullptr when unknown.
const City* FindCity(std::string_view name);

// Great-circle distance in km (haversine, mean Earth radius).
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

enum class NetTier { kCity, kProvince, kNational };
std::string_view NetTierName(NetTier t);  // "city", "province", "national"

// The latency model's constants (one-way, milliseconds).
struct LatencyModel {
  double city_base_ms = 0.5;      // metro access and aggregation
  double province_base_ms = 2.0;  // provincial backbone
  double national_base_ms = 5.0;  // inter-province backbone and hub interconnects
  // 1.5 (route over straight line) / 200 km per ms (light in fibre) = 0.0075 ms per km.
  double ms_per_km = 0.0075;
};

struct Link {
  NetTier tier = NetTier::kNational;
  double latency_ms = 0;
  double distance_km = 0;
};

// The link between a buyer in (city, province, lat, lon) and a site. Same city name -> city
// tier; same province -> province tier; otherwise national.
Link LinkBetween(const City& buyer, std::string_view site_city, std::string_view site_province,
                 double site_lat, double site_lon, const LatencyModel& m = {});

}  // namespace suanli::market
