#include "domain/resources.h"

#include <gtest/gtest.h>

namespace suanli::domain {
namespace {

Json NodeJson() {
  return Json::parse(R"({"pool_id":"pool-1","name":"gpu-001","cpu_cores":128,"memory_gib":1024,
    "accelerators":[{"model":"nvidia-h100-sxm","count":8}],"labels":{"rack":"r1"}})");
}

TEST(DecodeTest, CreateAcceptsValidNode) {
  Node n;
  ASSERT_TRUE(Decode(NodeSchema(), NodeJson(), &n, DecodeMode::kCreate).ok());
  EXPECT_EQ(n.cpu_cores, 128);
  ASSERT_EQ(n.accelerators.size(), 1u);
  EXPECT_EQ(n.accelerators[0].count, 8);
  EXPECT_EQ(n.labels.at("rack"), "r1");
  EXPECT_EQ(n.state, "ready");
}

TEST(DecodeTest, NamesTheBadField) {
  struct Case {
    const char* patch_key;
    Json value;
    std::string field;
  };
  std::vector<Case> cases = {
      {"cpu_cores", "many", "cpu_cores"},
      {"cpu_cores", 0, "cpu_cores"},
      {"cpu_cores", 1.5, "cpu_cores"},
      {"state", "melted", "state"},
      {"id", "node-x", "id"},
      {"colour", "red", "colour"},
      {"accelerators", Json::parse(R"([{"model":"x","count":0}])"), "accelerators[0].count"},
      {"accelerators", Json::parse(R"([{"model":"x"}])"), "accelerators[0].count"},
      {"labels", Json::parse(R"({"a":1})"), "labels.a"},
  };
  for (const auto& c : cases) {
    Json j = NodeJson();
    j[c.patch_key] = c.value;
    Node n;
    Status s = Decode(NodeSchema(), j, &n, DecodeMode::kCreate);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.patch_key;
    EXPECT_EQ(s.field(), c.field) << s.ToString();
  }
}

TEST(DecodeTest, CreateRequiresFields) {
  Json j = NodeJson();
  j.erase("memory_gib");
  Node n;
  Status s = Decode(NodeSchema(), j, &n, DecodeMode::kCreate);
  EXPECT_EQ(s.field(), "memory_gib");
}

TEST(DecodeTest, PatchRejectsImmutable) {
  Node n;
  ASSERT_TRUE(Decode(NodeSchema(), NodeJson(), &n, DecodeMode::kCreate).ok());
  Status s = Decode(NodeSchema(), Json{{"pool_id", "pool-2"}}, &n, DecodeMode::kPatch);
  EXPECT_EQ(s.field(), "pool_id");
  ASSERT_TRUE(Decode(NodeSchema(), Json{{"state", "cordoned"}}, &n, DecodeMode::kPatch).ok());
  EXPECT_EQ(n.state, "cordoned");
}

// An org stored before the quota existed loads with none; a quota is a non-negative integer.
TEST(DecodeTest, OrgGpuQuota) {
  Org old;
  ASSERT_TRUE(Decode(OrgSchema(), Json::parse(R"({"id":"org-1","name":"a","roles":["buyer"]})"),
                     &old, DecodeMode::kStored).ok());
  EXPECT_EQ(old.gpu_quota_milli, 0);
  EXPECT_EQ(Encode(OrgSchema(), old)["gpu_quota_milli"], 0);
  Org o = old;
  ASSERT_TRUE(Decode(OrgSchema(), Json{{"gpu_quota_milli", 16000}}, &o, DecodeMode::kPatch).ok());
  EXPECT_EQ(o.gpu_quota_milli, 16000);
  for (const Json& bad : {Json(-1), Json(2.5), Json("8"), Json(int64_t{1} << 40)}) {
    Status s = Decode(OrgSchema(), Json{{"gpu_quota_milli", bad}}, &o, DecodeMode::kPatch);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "gpu_quota_milli") << bad;
  }
  EXPECT_EQ(o.gpu_quota_milli, 16000);
}

TEST(EncodeTest, RoundTripsAndHidesSecrets) {
  Token t;
  t.id = "tok-1";
  t.name = "ci";
  t.hash = "deadbeef";
  Json pub = Encode(TokenSchema(), t);
  EXPECT_FALSE(pub.contains("hash"));
  Json stored = Encode(TokenSchema(), t, true);
  Token back;
  ASSERT_TRUE(Decode(TokenSchema(), stored, &back, DecodeMode::kStored).ok());
  EXPECT_EQ(back.hash, "deadbeef");
  EXPECT_EQ(back.id, "tok-1");
}

TEST(ValidateTest, OfferAndJobCrossFieldRules) {
  Offer o;
  o.accelerator_model = "h100";
  o.accelerator_count = 0;
  EXPECT_EQ(ValidateOffer(o).field(), "accelerator_count");
  o.accelerator_count = 8;
  o.billing_mode = "reserved";
  EXPECT_EQ(ValidateOffer(o).field(), "reserved_term_days");
  o.reserved_term_days = 30;
  EXPECT_TRUE(ValidateOffer(o).ok());

  Job j;
  j.commands = {{"CUDA", "python train.py"}};
  EXPECT_TRUE(ValidateJob(j).ok());
  j.commands = {{"Fortran", "a.out"}};
  EXPECT_EQ(ValidateJob(j).field(), "commands.Fortran");
}

TEST(JobLifecycleTest, Transitions) {
  EXPECT_TRUE(JobTransitionAllowed("pending", "scheduled"));
  EXPECT_TRUE(JobTransitionAllowed("running", "cancelled"));
  EXPECT_FALSE(JobTransitionAllowed("succeeded", "cancelled"));
  EXPECT_FALSE(JobTransitionAllowed("pending", "succeeded"));
}

}  // namespace
}  // namespace suanli::domain
