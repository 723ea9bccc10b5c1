#include <gtest/gtest.h>

#include "demo/demo_network.h"
#include "market/china_network.h"

namespace suanli::market {
namespace {

TEST(ChinaNetwork, EveryDemoSiteCityIsInTheTableNearItsSites) {
  const auto net = demo::BuildDemoNetwork(1, Timestamp{1'767'225'600'000});
  ASSERT_FALSE(net.sites.empty());
  for (const auto& s : net.sites) {
    const City* c = FindCity(s.city);
    ASSERT_NE(c, nullptr) << s.city;
    EXPECT_EQ(c->province, s.province) << s.city;
    // Sites lie in suburbs and counties of their city: within 100 km of its centre.
    EXPECT_LT(DistanceKm(c->latitude, c->longitude, s.latitude, s.longitude), 100) << s.name;
  }
}

TEST(ChinaNetwork, FindsCitiesWithOrWithoutSuffix) {
  ASSERT_NE(FindCity("成都"), nullptr);
  EXPECT_EQ(FindCity("成都")->name, "成都市");
  EXPECT_EQ(FindCity("成都市"), FindCity("成都"));
  EXPECT_EQ(FindCity("Atlantis"), nullptr);
}

TEST(ChinaNetwork, DistancesAreGreatCircle) {
  const City& bj = *FindCity("北京市");
  const City& sh = *FindCity("上海市");
  EXPECT_NEAR(DistanceKm(bj.latitude, bj.longitude, sh.latitude, sh.longitude), 1068, 30);
  EXPECT_DOUBLE_EQ(DistanceKm(1, 2, 1, 2), 0);
}

TEST(ChinaNetwork, LatencyRingsFollowTiers) {
  const City& cd = *FindCity("成都市");
  const City& my = *FindCity("绵阳市");
  const City& bj = *FindCity("北京市");
  const City& wlmq = *FindCity("乌鲁木齐市");
  Link same = LinkBetween(cd, "成都市", "四川省", 30.58, 104.06);
  EXPECT_EQ(same.tier, NetTier::kCity);
  EXPECT_LE(same.latency_ms, 1.5);
  Link prov = LinkBetween(cd, my.name, my.province, my.latitude, my.longitude);
  EXPECT_EQ(prov.tier, NetTier::kProvince);
  EXPECT_GT(prov.latency_ms, same.latency_ms);
  EXPECT_LE(prov.latency_ms, 5.5);
  Link far = LinkBetween(cd, bj.name, bj.province, bj.latitude, bj.longitude);
  EXPECT_EQ(far.tier, NetTier::kNational);
  EXPECT_GT(far.latency_ms, 10);
  EXPECT_LT(far.latency_ms, 25);
  Link farther = LinkBetween(cd, wlmq.name, wlmq.province, wlmq.latitude, wlmq.longitude);
  EXPECT_GT(farther.latency_ms, far.latency_ms) << "latency grows with distance within a ring";
}

}  // namespace
}  // namespace suanli::market
