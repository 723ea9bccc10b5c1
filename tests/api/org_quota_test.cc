// An organisation's GPU quota over real HTTP: only the operator's admins set it, it is
// validated, audited and stored like any field, and the server's queue enforces it.
#include <chrono>
#include <thread>

#include "api/api_fixture.h"

namespace suanli::testing {
namespace {

class OrgQuotaTest : public WorldTest {
 protected:
  Reply SetQuota(const Who& who, const std::string& org_id, const Json& milli) {
    return Client(who).Patch("/api/v1/orgs/" + org_id, {{"gpu_quota_milli", milli}});
  }
  // A job of one task on `gpus` whole CUDA devices, submitted by `who`; returns its id.
  std::string SubmitGpuJob(const Who& who, const std::string& name, int gpus) {
    Json body = JobBody(name);
    body["accelerators"] = {{"count", gpus}};
    body["commands"] = {{"CUDA", "true"}};
    Reply r = Client(who).Post("/api/v1/jobs", body);
    EXPECT_EQ(r.status, 201u) << r;
    return r.body.value("id", "");
  }
  Json Job(const Who& who, const std::string& id) {
    return Client(who).Get("/api/v1/jobs/" + id).body;
  }
  // Polls until the job is in `state` (placement runs every 500 ms), up to 30 s.
  bool WaitState(const Who& who, const std::string& id, const std::string& state) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < end) {
      if (Job(who, id).value("state", "") == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_P(OrgQuotaTest, OnlyTheOperatorSetsItAndEveryChangeIsAudited) {
  const std::string org = "/api/v1/orgs/" + w_.buy_a.org_id;
  EXPECT_EQ(Client(w_.buy_a).Get(org).body["gpu_quota_milli"], 0);  // none until set

  Reply set = SetQuota(w_.op, w_.buy_a.org_id, 8000);
  ASSERT_EQ(set.status, 200u) << set;
  EXPECT_EQ(set.body["gpu_quota_milli"], 8000);
  EXPECT_EQ(Client(w_.op).Get(org).body["gpu_quota_milli"], 8000);
  EXPECT_EQ(Client(w_.buy_a).Get(org).body["gpu_quota_milli"], 8000);  // the org reads its own
  Reply sorted = Client(w_.op).Get("/api/v1/orgs?sort=-gpu_quota_milli&limit=1");
  ASSERT_EQ(sorted.status, 200u) << sorted;
  EXPECT_EQ(sorted.body["items"][0]["id"], w_.buy_a.org_id);

  // Validated like any field, named in the error; nothing stored.
  EXPECT_ERROR(SetQuota(w_.op, w_.buy_a.org_id, -1000), 400, "invalid_argument",
               "gpu_quota_milli");
  EXPECT_ERROR(SetQuota(w_.op, w_.buy_a.org_id, "lots"), 400, "invalid_argument",
               "gpu_quota_milli");
  EXPECT_ERROR(SetQuota(w_.op, w_.buy_a.org_id, 1.5), 400, "invalid_argument", "gpu_quota_milli");

  // The org's own admin may rename it but not touch its quota; nor may anyone else.
  EXPECT_ERROR(SetQuota(w_.buy_a, w_.buy_a.org_id, 64000), 403, "permission_denied");
  EXPECT_ERROR(SetQuota(w_.buy_a, w_.buy_a.org_id, 0), 403, "permission_denied");
  EXPECT_ERROR(SetQuota(w_.buy_b, w_.buy_a.org_id, 64000), 403, "permission_denied");
  EXPECT_ERROR(SetQuota(w_.reg, w_.buy_a.org_id, 64000), 403, "permission_denied");
  EXPECT_EQ(Client(w_.buy_a).Patch(org, {{"display_name", "买家A"}}).status, 200u);
  // Sending the value it already has changes nothing, so it is allowed.
  EXPECT_EQ(Client(w_.buy_a).Patch(org, {{"gpu_quota_milli", 8000}}).status, 200u);
  EXPECT_EQ(Client(w_.op).Get(org).body["gpu_quota_milli"], 8000);

  // The operator may give a quota at creation, and lift one with 0.
  Reply c = Client(w_.op).Post("/api/v1/orgs", {{"name", "quota-co"}, {"roles", {"buyer"}},
                                                {"gpu_quota_milli", 500}});
  ASSERT_EQ(c.status, 201u) << c;
  EXPECT_EQ(c.body["gpu_quota_milli"], 500);
  ASSERT_EQ(SetQuota(w_.op, w_.buy_a.org_id, 0).status, 200u);

  Reply audit = Client(w_.op).Get("/api/v1/audit?kind=org&object_id=" + w_.buy_a.org_id);
  ASSERT_EQ(audit.status, 200u) << audit;
  std::vector<std::pair<int64_t, int64_t>> changes;  // quota before → after
  for (const auto& e : audit.body["items"]) {
    if (e["action"] != "update") continue;
    const int64_t before = e["before"].value("gpu_quota_milli", int64_t{0});
    const int64_t after = e["after"].value("gpu_quota_milli", int64_t{0});
    if (before == after) continue;
    EXPECT_EQ(e["actor_user_id"], w_.op.user_id) << e;
    EXPECT_EQ(e["actor_org_id"], w_.op.org_id) << e;
    changes.emplace_back(before, after);
  }
  EXPECT_EQ(changes, (std::vector<std::pair<int64_t, int64_t>>{{0, 8000}, {8000, 0}}));
}

// buy-a may hold 2 GPUs: its third one-GPU job waits, saying why, on a pool of 16 free GPUs,
// while buy-b's jobs start, also after a restart; raising the quota lets the waiting job start.
TEST_P(OrgQuotaTest, TheQueueHoldsAnOrganisationToItsQuota) {
  MakeSupply(w_.sup_a, "quota-site", 2);  // 2 nodes of 8 GPUs
  ASSERT_EQ(SetQuota(w_.op, w_.buy_a.org_id, 2000).status, 200u);
  const std::string a = SubmitGpuJob(w_.buy_a, "a", 1);
  const std::string b = SubmitGpuJob(w_.buy_a, "b", 1);
  ASSERT_TRUE(WaitState(w_.buy_a, a, "scheduled")) << Job(w_.buy_a, a);
  ASSERT_TRUE(WaitState(w_.buy_a, b, "scheduled")) << Job(w_.buy_a, b);
  const std::string c = SubmitGpuJob(w_.buy_a, "c", 1);
  const std::string other = SubmitGpuJob(w_.buy_b, "other", 4);
  ASSERT_TRUE(WaitState(w_.buy_b, other, "scheduled")) << Job(w_.buy_b, other);
  Json waiting = Job(w_.buy_a, c);
  EXPECT_EQ(waiting["state"], "pending");
  EXPECT_EQ(waiting["state_reason"], "waiting: the organisation's GPU quota is used up");

  // After a restart the quota comes back from the store and a, b are counted against it again:
  // by the time a later job of buy-b is placed, c has been passed over again.
  Status stopped = server_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  Status restarted = server_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  EXPECT_EQ(Client(w_.op).Get("/api/v1/orgs/" + w_.buy_a.org_id).body["gpu_quota_milli"], 2000);
  const std::string later = SubmitGpuJob(w_.buy_b, "later", 1);
  ASSERT_TRUE(WaitState(w_.buy_b, later, "scheduled")) << Job(w_.buy_b, later);
  EXPECT_EQ(Job(w_.buy_a, c)["state"], "pending");

  ASSERT_EQ(SetQuota(w_.op, w_.buy_a.org_id, 3000).status, 200u);
  EXPECT_TRUE(WaitState(w_.buy_a, c, "scheduled")) << Job(w_.buy_a, c);
}

}  // namespace

SUANLI_INSTANTIATE_FOR_STORE(OrgQuotaTest);

}  // namespace suanli::testing
