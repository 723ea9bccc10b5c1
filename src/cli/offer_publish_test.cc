#include "cli/offer_publish.h"

#include <gtest/gtest.h>

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

Json Node(int cpu, int mem, const std::string& model, int count) {
  Json n = {{"cpu_cores", cpu}, {"memory_gib", mem}, {"accelerators", Json::array()}};
  if (count > 0) n["accelerators"].push_back({{"model", model}, {"count", count}});
  return n;
}

PublishRequest Req(std::string price, std::string accelerator = "", int count = 0) {
  PublishRequest r;
  r.pool_id = "pool-1";
  r.price = std::move(price);
  r.accelerator = std::move(accelerator);
  r.count = count;
  return r;
}

std::vector<CatalogEntry> Catalog() {
  return {{"nvidia-h100-sxm", "NVIDIA", "H100 SXM5 80GB", "CUDA"},
          {"nvidia-t4", "NVIDIA", "Tesla T4 16GB", "CUDA"}};
}

TEST(OfferPublish, DefaultsFromThePoolInventory) {
  Json nodes = {Node(128, 2048, "nvidia-h100-sxm", 8), Node(128, 2048, "nvidia-h100-sxm", 8),
                Node(96, 1024, "nvidia-h100-sxm", 8), Node(64, 256, "nvidia-t4", 4)};
  PublishRequest req = Req("25.5");
  auto o = PlanOffer(req, nodes, Json::array(), Catalog());
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ((*o)["accelerator_model"], "nvidia-h100-sxm");
  EXPECT_EQ((*o)["accelerator_count"], 8);
  EXPECT_EQ((*o)["quantity"], 3);
  EXPECT_EQ((*o)["cpu_cores"], 96);     // the leanest H100 node's share
  EXPECT_EQ((*o)["memory_gib"], 1024);
  EXPECT_EQ((*o)["price_fen_per_hour"], 2550);
  EXPECT_EQ((*o)["billing_mode"], "on_demand");
  EXPECT_EQ((*o)["name"], "8卡 H100 SXM5 80GB · 按需");
}

TEST(OfferPublish, SmallerUnitsAndExistingOffers) {
  Json nodes = {Node(128, 2048, "nvidia-h100-sxm", 8), Node(128, 2048, "nvidia-h100-sxm", 8)};
  Json offers = {{{"accelerator_model", "nvidia-h100-sxm"}, {"accelerator_count", 8}, {"quantity", 1}}};
  PublishRequest req = Req("10", "H100", 2);
  req.billing = "reserved";
  auto o = PlanOffer(req, nodes, offers, Catalog());
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ((*o)["quantity"], 4);  // 16 devices - 8 already offered, in units of 2
  EXPECT_EQ((*o)["cpu_cores"], 32);
  EXPECT_EQ((*o)["reserved_term_days"], 30);
}

TEST(OfferPublish, CpuPoolsOfferCores) {
  Json nodes = {Node(64, 256, "", 0), Node(64, 256, "", 0)};
  auto o = PlanOffer(Req("0.08"), nodes, Json::array(), Catalog());
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_FALSE(o->contains("accelerator_model"));
  EXPECT_EQ((*o)["cpu_cores"], 1);
  EXPECT_EQ((*o)["memory_gib"], 4);
  EXPECT_EQ((*o)["quantity"], 128);
  EXPECT_EQ((*o)["price_fen_per_hour"], 8);
}

TEST(OfferPublish, ErrorsNameTheProblem) {
  Json nodes = {Node(64, 256, "nvidia-t4", 4)};
  EXPECT_EQ(PlanOffer(Req("1", "H100"), nodes, Json::array(), Catalog())
                .error().field(), "accelerator");
  EXPECT_EQ(PlanOffer(Req("x"), nodes, Json::array(), Catalog()).error().field(),
            "price");
  EXPECT_EQ(PlanOffer(Req("1"), Json::array(), Json::array(), Catalog())
                .error().code(), StatusCode::kFailedPrecondition);
  Json sold = {{{"accelerator_model", "nvidia-t4"}, {"accelerator_count", 4}, {"quantity", 1}}};
  EXPECT_EQ(PlanOffer(Req("1"), nodes, sold, Catalog()).error().code(),
            StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace suanli::cli
