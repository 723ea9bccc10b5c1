#include "placement/placement_service.h"

#include <gtest/gtest.h>

#include "control/test_registry.h"

#include <filesystem>

namespace suanli::placement {
namespace {

using namespace domain;

class PlacementServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One AI pool with two 8-GPU nodes in one super-node, and a catalog entry.
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Accelerator a;
      a.id = "h100";
      a.vendor = "NVIDIA";
      a.ecosystem = "CUDA";
      txn.Put(a, "create");
      domain::Pool p;
      p.id = "pool-a";
      p.site_id = "site-a";
      p.kind = "ai";
      txn.Put(p, "create");
      for (int i = 0; i < 2; ++i) {
        Node n;
        n.id = "node-" + std::to_string(i);
        n.pool_id = "pool-a";
        n.name = n.id;
        n.cpu_cores = 128;
        n.memory_gib = 1024;
        n.accelerators = {{"h100", 8}};
        n.supernode = "sn-1";
        txn.Put(n, "create");
      }
      return OkStatus();
    }).ok());
  }
  std::string Submit(int tasks, int gpus, std::vector<std::string> any_of = {"h100"}) {
    clock_.Advance(Millis(1000));  // submission order is queue order
    Job j;
    j.id = ids_.NewId("job");
    j.name = "train";
    j.tasks = tasks;
    j.cpu_cores = 16;
    j.memory_gib = 64;
    j.accelerators.count = gpus;
    j.accelerators.any_of = std::move(any_of);
    j.commands = {{"CUDA", "python train.py"}};
    EXPECT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      txn.Put(j, "create");
      return OkStatus();
    }).ok());
    return j.id;
  }
  std::shared_ptr<const Job> GetJob(const std::string& id) { return reg_->Get<Job>(id)->obj; }

  control::TestRegistry t_{"placement", 3};
  std::filesystem::path& dir_ = t_.dir;
  FakeClock& clock_ = t_.clock;
  SeededIdSource& ids_ = t_.ids;
  std::unique_ptr<control::Registry>& reg_ = t_.reg;
};

TEST_F(PlacementServiceTest, PlacesAGangOnWholeNodesAndRecordsIt) {
  PlacementService svc(reg_.get(), {});
  std::string id = Submit(2, 8);
  svc.RunOnce();
  auto job = GetJob(id);
  EXPECT_EQ(job->state, "scheduled");
  EXPECT_EQ(job->pool_id, "pool-a");
  ASSERT_EQ(job->placement.size(), 2u);
  EXPECT_NE(job->placement[0].node_id, job->placement[1].node_id);
  EXPECT_EQ(job->placement[0].devices, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  // The pool is full now: a one-GPU job waits, with a reason.
  std::string waiting = Submit(1, 1);
  svc.RunOnce();
  EXPECT_EQ(GetJob(waiting)->state, "pending");
  EXPECT_EQ(GetJob(waiting)->state_reason, "waiting for capacity");
  // Cancelling the gang frees its devices for the waiting job.
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Job j = *txn.Get<Job>(id);
    j.state = "cancelled";
    txn.Put(j, "cancel");
    return OkStatus();
  }).ok());
  svc.RunOnce();
  EXPECT_EQ(GetJob(waiting)->state, "scheduled");
  EXPECT_EQ(svc.stats().released, 1u);
}

TEST_F(PlacementServiceTest, ImpossibleJobsSayWhy) {
  PlacementService svc(reg_.get(), {});
  std::string too_big = Submit(3, 8);  // three whole nodes in a two-node pool
  svc.RunOnce();
  EXPECT_EQ(GetJob(too_big)->state, "pending");
  EXPECT_NE(GetJob(too_big)->state_reason.find("no pool can ever hold"), std::string::npos);
}

TEST_F(PlacementServiceTest, RestoresPlacementsAfterRestart) {
  std::string first;
  {
    PlacementService svc(reg_.get(), {});
    first = Submit(1, 8);
    svc.RunOnce();
    ASSERT_EQ(GetJob(first)->state, "scheduled");
  }
  PlacementService again(reg_.get(), {});
  std::string second = Submit(1, 8);
  std::string third = Submit(1, 8);
  again.RunOnce();
  EXPECT_EQ(again.stats().restored, 1u);
  // Only one node was free: exactly one of the two new jobs fits.
  int scheduled = (GetJob(second)->state == "scheduled") + (GetJob(third)->state == "scheduled");
  EXPECT_EQ(scheduled, 1);
  EXPECT_NE(GetJob(second)->placement.empty() ? "" : GetJob(second)->placement[0].node_id,
            GetJob(first)->placement[0].node_id);
}

TEST_F(PlacementServiceTest, LongLargeJobsGoToNodesWithoutFaultsFirst) {
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Node n = *txn.Get<Node>("node-0");
    n.fault_count = 2;
    n.last_fault_at = clock_.Now();
    txn.Put(n, "update");
    return OkStatus();
  }).ok());
  auto long_job = [&] {
    const std::string id = Submit(1, 8);
    EXPECT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Job j = *txn.Get<Job>(id);
      j.duration_estimate_s = 8 * 3600;
      txn.Put(j, "update");
      return OkStatus();
    }).ok());
    return id;
  };
  const std::string first = long_job();
  PlacementService svc(reg_.get(), {});
  svc.RunOnce();
  ASSERT_EQ(GetJob(first)->state, "scheduled");
  EXPECT_EQ(GetJob(first)->placement.at(0).node_id, "node-1");  // the clean node
  // With clean capacity gone, the suspect node still takes work rather than leave it waiting.
  const std::string second = long_job();
  svc.RunOnce();
  ASSERT_EQ(GetJob(second)->state, "scheduled");
  EXPECT_EQ(GetJob(second)->placement.at(0).node_id, "node-0");
}

TEST_F(PlacementServiceTest, CordonedNodesTakeNoNewWork) {
  PlacementService svc(reg_.get(), {});
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Node n = *txn.Get<Node>("node-0");
    n.state = "cordoned";
    txn.Put(n, "update");
    return OkStatus();
  }).ok());
  std::string a = Submit(1, 8), b = Submit(1, 8);
  svc.RunOnce();
  EXPECT_EQ(GetJob(a)->state, "scheduled") << GetJob(a)->state_reason;
  EXPECT_EQ(GetJob(a)->placement[0].node_id, "node-1");
  EXPECT_EQ(GetJob(b)->state, "pending");
}

}  // namespace
}  // namespace suanli::placement
