// The market over real HTTP against a real `suanli serve`: faceted search, one-click match with
// its reasons, and accepting a plan (the job is placed on the chosen offer's pool).
#include <chrono>
#include <thread>

#include "api/api_fixture.h"

namespace suanli::testing {
namespace {

class MarketApiTest : public WorldTest {
 protected:
  void SetUp() override {
    WorldTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Supplier A sells one 8×H100 node in Chengdu; supplier B two, cheaper, in Beijing.
    chengdu_ = MakeSupply(w_.sup_a, "cd", 2);
    ApiClient b = Client(w_.sup_b);
    Json site = SiteBody("bj", "北京市", "北京市");
    site["latitude"] = 39.98;
    site["longitude"] = 116.31;
    site["tier"] = "hub";
    Reply s = b.Post("/api/v1/sites", site);
    ASSERT_EQ(s.status, 201u) << s;
    Reply p = b.Post("/api/v1/pools", PoolBody(s.body["id"], "bj-pool"));
    ASSERT_EQ(p.status, 201u) << p;
    beijing_pool_ = p.body["id"];
    for (int i = 0; i < 2; ++i)
      ASSERT_EQ(b.Post("/api/v1/nodes", NodeBody(beijing_pool_, "bj-n" + std::to_string(i))).status, 201u);
    cd_offer_ = Offer(w_.sup_a, chengdu_.pool_id, 1, 20000);
    bj_offer_ = Offer(w_.sup_b, beijing_pool_, 2, 15000);
  }

  std::string Offer(const Who& who, const std::string& pool, int quantity, int64_t price) {
    Json o = {{"pool_id", pool}, {"name", "8×H100"}, {"accelerator_model", kGpuModel},
              {"accelerator_count", 8}, {"cpu_cores", 64}, {"memory_gib", 512},
              {"quantity", quantity}, {"price_fen_per_hour", price},
              {"available_from", "2020-01-01T00:00:00Z"}};
    Reply r = Client(who).Post("/api/v1/offers", o);
    EXPECT_EQ(r.status, 201u) << r;
    return r.body.value("id", "");
  }

  static Json TrainingJob() {
    return {{"name", "train"}, {"cpu_cores", 8}, {"memory_gib", 64},
            {"accelerators", {{"count", 8}}}, {"commands", {{"CUDA", "python train.py"}}},
            {"duration_estimate_s", 7200}, {"location_city", "成都市"}};
  }

  Supply chengdu_;
  std::string beijing_pool_, cd_offer_, bj_offer_;
};

TEST_P(MarketApiTest, SearchFiltersSortsAndCountsFacets) {
  ApiClient sup = Client(w_.sup_a);  // any logged-in organisation may search
  Reply all = sup.Get("/api/v1/market/offers?sort=price");
  ASSERT_EQ(all.status, 200u) << all;
  ASSERT_EQ(all.body["total"], 2);
  EXPECT_EQ(all.body["items"][0]["id"], bj_offer_) << "cheaper first";
  EXPECT_EQ(all.body["items"][1]["id"], cd_offer_);
  EXPECT_EQ(all.body["facets"]["vendor"]["NVIDIA"], 2);
  EXPECT_EQ(all.body["items"][0]["site"]["city"], "北京市");

  Reply cd = sup.Get("/api/v1/market/offers?city=" + client::UrlEncode("成都市"));
  ASSERT_EQ(cd.status, 200u) << cd;
  EXPECT_EQ(cd.body["total"], 1);
  EXPECT_EQ(cd.body["items"][0]["id"], cd_offer_);
  // Facets are disjunctive: the city facet still counts the other city.
  EXPECT_EQ(cd.body["facets"]["city"]["北京市"], 1);
  EXPECT_EQ(cd.body["facets"]["city"]["成都市"], 1);
  EXPECT_EQ(cd.body["facets"]["vendor"]["NVIDIA"], 1);

  Reply near = sup.Get("/api/v1/market/offers?buyer_city=" + client::UrlEncode("成都市") +
                       "&max_latency_ms=5&sort=distance");
  ASSERT_EQ(near.status, 200u) << near;
  EXPECT_EQ(near.body["total"], 1);
  EXPECT_LT(near.body["items"][0]["latency_ms"].get<double>(), 5);
  EXPECT_EQ(near.body["items"][0]["network_tier"], "city");

  Reply page = sup.Get("/api/v1/market/offers?sort=-price&limit=1");
  ASSERT_EQ(page.status, 200u);
  EXPECT_EQ(page.body["items"].size(), 1u);
  EXPECT_EQ(page.body["items"][0]["id"], cd_offer_);
  EXPECT_EQ(page.body["next_offset"], 1);

  EXPECT_ERROR(sup.Get("/api/v1/market/offers?sort=colour"), 400, "invalid_argument", "sort");
  EXPECT_ERROR(sup.Get("/api/v1/market/offers?max_latency_ms=5"), 400, "invalid_argument");
  EXPECT_ERROR(sup.Get("/api/v1/market/offers?wat=1"), 400, "invalid_argument", "wat");
  EXPECT_EQ(Client("").Get("/api/v1/market/offers").status, 401u);
}

TEST_P(MarketApiTest, MatchRanksPlansAndExplainsTheRest) {
  ApiClient buyer = Client(w_.buy_a);
  Reply any = buyer.Post("/api/v1/match", TrainingJob());
  ASSERT_EQ(any.status, 200u) << any;
  ASSERT_EQ(any.body["plans"].size(), 2u);
  EXPECT_EQ(any.body["plans"][0]["parts"][0]["offer_id"], bj_offer_) << "cheaper, no latency limit";
  EXPECT_EQ(any.body["plans"][0]["kind"], "single");
  EXPECT_TRUE(any.body["rejected"].empty());

  Json near = TrainingJob();
  near["latency_limit_ms"] = 5;
  Reply r = buyer.Post("/api/v1/match", near);
  ASSERT_EQ(r.status, 200u) << r;
  ASSERT_EQ(r.body["plans"].size(), 1u);
  const Json& plan = r.body["plans"][0];
  EXPECT_EQ(plan["parts"][0]["offer_id"], cd_offer_);
  EXPECT_EQ(plan["parts"][0]["network_tier"], "city");
  EXPECT_GT(plan["cost_fen"].get<int64_t>(), 0);
  EXPECT_EQ(plan["cost_after_vouchers_fen"], plan["cost_fen"]);
  ASSERT_EQ(r.body["rejected"].size(), 1u);
  EXPECT_EQ(r.body["rejected"][0]["offer_id"], bj_offer_);
  const std::string why = r.body["rejected"][0]["reason"];
  EXPECT_EQ(why.rfind("too far: ", 0), 0u) << why;

  Json cann = TrainingJob();
  cann["commands"] = {{"CANN", "python train_npu.py"}};
  Reply none = buyer.Post("/api/v1/match", cann);
  ASSERT_EQ(none.status, 200u);
  EXPECT_TRUE(none.body["plans"].empty());
  for (const auto& rej : none.body["rejected"])
    EXPECT_EQ(rej["reason"].get<std::string>().rfind("wrong ecosystem", 0), 0u) << rej;

  EXPECT_ERROR(Client(w_.sup_a).Post("/api/v1/match", TrainingJob()), 403, "permission_denied");
  Json bad = TrainingJob();
  bad["cpu_cores"] = -1;
  EXPECT_ERROR(buyer.Post("/api/v1/match", bad), 400, "invalid_argument", "cpu_cores");
  Json split = TrainingJob();
  split["allow_split"] = "yes";
  EXPECT_ERROR(buyer.Post("/api/v1/match", split), 400, "invalid_argument", "allow_split");
}

TEST_P(MarketApiTest, AcceptingAPlanPlacesTheJobOnThatOffersPool) {
  ApiClient buyer = Client(w_.buy_a);
  Json near = TrainingJob();
  near["latency_limit_ms"] = 5;
  Reply m = buyer.Post("/api/v1/match", near);
  ASSERT_EQ(m.status, 200u) << m;
  ASSERT_FALSE(m.body["plans"].empty());
  const Json body = m.body["plans"][0]["accept"][0];
  EXPECT_EQ(body["offer_id"], cd_offer_);
  Reply job = buyer.Post("/api/v1/jobs", body);
  ASSERT_EQ(job.status, 201u) << job;
  const std::string id = job.body["id"];
  Json placed;
  for (int i = 0; i < 100; ++i) {
    placed = buyer.Get("/api/v1/jobs/" + id).body;
    if (placed.value("state", "") != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(placed.value("state", ""), "pending") << placed;
  EXPECT_EQ(placed.value("pool_id", ""), chengdu_.pool_id) << placed;
  // The offer's unit is now held: the market shows no free units left in it.
  Reply after = buyer.Get("/api/v1/market/offers?city=" + client::UrlEncode("成都市"));
  ASSERT_EQ(after.status, 200u);
  EXPECT_EQ(after.body["items"][0]["free_units"], 0);
}

}  // namespace

SUANLI_INSTANTIATE_FOR_STORE(MarketApiTest);

}  // namespace suanli::testing
