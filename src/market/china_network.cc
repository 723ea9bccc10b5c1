#include "market/china_network.h"

#include <algorithm>
#include <cmath>

namespace suanli::market {

const std::vector<City>& Cities() {
  // City-centre coordinates (WGS84, two decimals ≈ 1 km).
  static const std::vector<City> v = {
      {"北京市", "北京市", 39.90, 116.40},
      {"天津市", "天津市", 39.13, 117.20},
      {"上海市", "上海市", 31.23, 121.47},
      {"重庆市", "重庆市", 29.56, 106.55},
      {"石家庄市", "河北省", 38.04, 114.51},
      {"张家口市", "河北省", 40.77, 114.88},
      {"太原市", "山西省", 37.87, 112.55},
      {"阳泉市", "山西省", 37.86, 113.58},
      {"呼和浩特市", "内蒙古自治区", 40.84, 111.75},
      {"乌兰察布市", "内蒙古自治区", 41.03, 113.13},
      {"沈阳市", "辽宁省", 41.80, 123.43},
      {"大连市", "辽宁省", 38.91, 121.61},
      {"长春市", "吉林省", 43.88, 125.32},
      {"哈尔滨市", "黑龙江省", 45.80, 126.53},
      {"南京市", "江苏省", 32.06, 118.80},
      {"苏州市", "江苏省", 31.30, 120.59},
      {"杭州市", "浙江省", 30.27, 120.16},
      {"宁波市", "浙江省", 29.87, 121.54},
      {"合肥市", "安徽省", 31.82, 117.23},
      {"芜湖市", "安徽省", 31.33, 118.38},
      {"福州市", "福建省", 26.07, 119.30},
      {"厦门市", "福建省", 24.48, 118.09},
      {"南昌市", "江西省", 28.68, 115.86},
      {"济南市", "山东省", 36.65, 117.12},
      {"青岛市", "山东省", 36.07, 120.38},
      {"郑州市", "河南省", 34.75, 113.63},
      {"武汉市", "湖北省", 30.59, 114.31},
      {"长沙市", "湖南省", 28.23, 112.94},
      {"广州市", "广东省", 23.13, 113.26},
      {"深圳市", "广东省", 22.54, 114.06},
      {"韶关市", "广东省", 24.81, 113.60},
      {"南宁市", "广西壮族自治区", 22.82, 108.37},
      {"海口市", "海南省", 20.04, 110.34},
      {"成都市", "四川省", 30.66, 104.07},
      {"绵阳市", "四川省", 31.47, 104.68},
      {"宜宾市", "四川省", 28.77, 104.64},
      {"贵阳市", "贵州省", 26.65, 106.63},
      {"昆明市", "云南省", 25.04, 102.71},
      {"拉萨市", "西藏自治区", 29.65, 91.14},
      {"西安市", "陕西省", 34.34, 108.94},
      {"兰州市", "甘肃省", 36.06, 103.83},
      {"庆阳市", "甘肃省", 35.71, 107.64},
      {"西宁市", "青海省", 36.62, 101.78},
      {"银川市", "宁夏回族自治区", 38.49, 106.23},
      {"中卫市", "宁夏回族自治区", 37.50, 105.19},
      {"乌鲁木齐市", "新疆维吾尔自治区", 43.83, 87.62},
  };
  return v;
}

const City* FindCity(std::string_view name) {
  for (const City& c : Cities()) {
    if (c.name == name) return &c;
    std::string_view bare(c.name);
    if (bare.ends_with("市")) bare.remove_suffix(std::string_view("市").size());
    if (bare == name) return &c;
  }
  return nullptr;
}

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  constexpr double kEarthKm = 6371.0;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(a)));
}

std::string_view NetTierName(NetTier t) {
  switch (t) {
    case NetTier::kCity: return "city";
    case NetTier::kProvince: return "province";
    case NetTier::kNational: return "national";
  }
  return "national";
}

Link LinkBetween(const City& buyer, std::string_view site_city, std::string_view site_province,
                 double site_lat, double site_lon, const LatencyModel& m) {
  Link l;
  l.distance_km = DistanceKm(buyer.latitude, buyer.longitude, site_lat, site_lon);
  double base = m.national_base_ms;
  if (buyer.name == site_city) {
    l.tier = NetTier::kCity;
    base = m.city_base_ms;
  } else if (buyer.province == site_province) {
    l.tier = NetTier::kProvince;
    base = m.province_base_ms;
  }
  l.latency_ms = base + m.ms_per_km * l.distance_km;
  return l;
}

}  // namespace suanli::market
