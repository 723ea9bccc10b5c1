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
    AddAiPool("h100", "pool-a", "node-", {128, 128}, "sn-1");
  }
  // An AI pool `pool` of 8-GPU `model` nodes "<prefix>i", one per entry of `cores`, in
  // `supernode`, and the model's catalog entry.
  void AddAiPool(const std::string& model, const std::string& pool, const std::string& prefix,
                 std::vector<int> cores, const std::string& supernode) {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Accelerator a;
      a.id = model;
      a.vendor = "NVIDIA";
      a.ecosystem = "CUDA";
      txn.Put(a, "create");
      domain::Pool p;
      p.id = pool;
      p.site_id = "site-a";
      p.kind = "ai";
      txn.Put(p, "create");
      for (size_t i = 0; i < cores.size(); ++i) {
        Node n;
        n.id = prefix + std::to_string(i);
        n.pool_id = pool;
        n.name = n.id;
        n.cpu_cores = cores[i];
        n.memory_gib = 1024;
        n.accelerators = {{model, 8}};
        n.supernode = supernode;
        txn.Put(n, "create");
      }
      return OkStatus();
    }).ok());
  }
  std::string Submit(int tasks, int gpus, std::vector<std::string> any_of = {"h100"}) {
    return SubmitAs("", "normal", tasks, gpus, 3600, std::move(any_of));
  }
  // A job of buyer organisation `org` with priority `priority` and duration estimate `run_s`.
  std::string SubmitAs(const std::string& org, const std::string& priority, int tasks, int gpus,
                       int64_t run_s = 3600, std::vector<std::string> any_of = {"h100"}) {
    clock_.Advance(Millis(1000));  // submission order is queue order
    Job j;
    j.id = ids_.NewId("job");
    j.org_id = org;
    j.name = "train";
    j.priority = priority;
    j.tasks = tasks;
    j.cpu_cores = 16;
    j.memory_gib = 64;
    j.duration_estimate_s = run_s;
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
  // Creates or changes buyer organisation `id` with a GPU quota (milli-devices, 0 = none).
  void SetOrgQuota(const std::string& id, int64_t gpu_milli) {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      auto before = txn.Get<Org>(id);
      Org o = before ? *before : Org{};
      o.id = o.org_id = o.name = id;
      o.roles = {"buyer"};
      o.gpu_quota_milli = gpu_milli;
      txn.Put(o, before ? "update" : "create");
      return OkStatus();
    }).ok());
  }
  // What the execution service records when every task of a scheduled job runs, or ends.
  void SetState(const std::string& id, const std::string& state) {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Job j = *txn.Get<Job>(id);
      j.state = state;
      if (state == "running") j.started_at = txn.now();
      if (JobFinished(state)) j.finished_at = txn.now();
      for (auto& p : j.placement) p.state = state == "running" ? "running" : "succeeded";
      txn.Put(j, state);
      return OkStatus();
    }).ok());
  }

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

// DRF across buyer organisations: "big" already runs half the pool, so the job of "small",
// submitted later, gets the last free node (submission order alone would give it to "big").
TEST_F(PlacementServiceTest, TheOrganisationUsingLessGoesFirst) {
  PlacementService svc(reg_.get(), {});
  const std::string running = SubmitAs("big", "normal", 1, 8);
  svc.RunOnce();
  ASSERT_EQ(GetJob(running)->state, "scheduled");
  const std::string big = SubmitAs("big", "normal", 1, 8);
  const std::string small = SubmitAs("small", "normal", 1, 8);
  svc.RunOnce();
  EXPECT_EQ(GetJob(small)->state, "scheduled");
  EXPECT_EQ(GetJob(big)->state, "pending");
  EXPECT_EQ(GetJob(big)->state_reason, "waiting for capacity");
}

// The quota on the org record: "capped" may hold 2 GPUs, so its third job waits (with the
// quota as its reason) on a pool with room to spare while another org's job starts. Raising the
// quota starts the waiting job; a quota set back to 0 is no quota.
TEST_F(PlacementServiceTest, AnOrganisationRunsNoMoreGpusThanItsQuota) {
  SetOrgQuota("capped", 2000);
  PlacementService svc(reg_.get(), {});
  const std::string a = SubmitAs("capped", "normal", 1, 1);
  const std::string b = SubmitAs("capped", "normal", 1, 1);
  const std::string c = SubmitAs("capped", "normal", 1, 1);
  const std::string other = SubmitAs("free", "normal", 1, 4);
  svc.RunOnce();
  EXPECT_EQ(GetJob(a)->state, "scheduled");
  EXPECT_EQ(GetJob(b)->state, "scheduled");
  EXPECT_EQ(GetJob(c)->state, "pending");
  EXPECT_EQ(GetJob(c)->state_reason, "waiting: the organisation's GPU quota is used up");
  EXPECT_EQ(GetJob(other)->state, "scheduled");
  svc.RunOnce();  // nothing changed: it still waits
  EXPECT_EQ(GetJob(c)->state, "pending");

  SetOrgQuota("capped", 3000);
  svc.RunOnce();
  EXPECT_EQ(GetJob(c)->state, "scheduled");
  EXPECT_TRUE(GetJob(c)->state_reason.empty());

  // Four more GPUs are over the quota (and fit on some node whatever the placements); without
  // a quota they start.
  const std::string big = SubmitAs("capped", "normal", 1, 4);
  svc.RunOnce();
  EXPECT_EQ(GetJob(big)->state, "pending");
  SetOrgQuota("capped", 0);
  svc.RunOnce();
  EXPECT_EQ(GetJob(big)->state, "scheduled");
}

// Aging beats fair share: a job that waited past starvation_ms goes before a fresher job of
// an organisation with a lower share.
TEST_F(PlacementServiceTest, AJobThatWaitedTooLongGoesFirst) {
  PlacementOptions o;
  o.queue.starvation_ms = 30'000;
  PlacementService svc(reg_.get(), o);
  const std::string running = SubmitAs("big", "normal", 1, 8);
  svc.RunOnce();
  ASSERT_EQ(GetJob(running)->state, "scheduled");
  const std::string old = SubmitAs("big", "normal", 1, 8);
  clock_.Advance(Millis(60'000));
  const std::string fresh = SubmitAs("small", "normal", 1, 8);
  svc.RunOnce();
  EXPECT_EQ(GetJob(old)->state, "scheduled");
  EXPECT_EQ(GetJob(fresh)->state, "pending");
}

// A full pool of spot work: a high job evicts the spot gang (requeued through the execution
// layer, with the reason and an interruption that is the buyer's, not the provider's) and
// takes a node. The spot job is not failed although it has no restarts left.
TEST_F(PlacementServiceTest, AHighJobPreemptsSpotWorkOnAFullPool) {
  PlacementService svc(reg_.get(), {});
  const std::string spot = SubmitAs("cheap", "spot", 2, 8);
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    Job j = *txn.Get<Job>(spot);
    j.max_restarts = 0;
    txn.Put(j, "update");
    return OkStatus();
  }).ok());
  svc.RunOnce();
  ASSERT_EQ(GetJob(spot)->state, "scheduled");
  SetState(spot, "running");
  clock_.Advance(Millis(120'000));
  const std::string high = SubmitAs("urgent", "high", 1, 8);
  svc.RunOnce();
  auto victim = GetJob(spot);
  EXPECT_EQ(victim->state, "pending");
  EXPECT_NE(victim->state_reason.find("preempted by job " + high), std::string::npos)
      << victim->state_reason;
  EXPECT_EQ(victim->restart_count, 1);
  EXPECT_TRUE(victim->placement.empty());
  ASSERT_EQ(victim->interruptions.size(), 1u);
  EXPECT_EQ(victim->interruptions[0].cause, "preempted");
  EXPECT_FALSE(victim->interruptions[0].provider_side());
  EXPECT_EQ(victim->interruptions[0].failed_at.ms - victim->interruptions[0].started_at.ms,
            121'000);
  EXPECT_EQ(GetJob(high)->state, "scheduled");
  EXPECT_EQ(svc.stats().preempted, 1u);
  // The spot gang waits for room; the high job keeps its node.
  svc.RunOnce();
  EXPECT_EQ(GetJob(spot)->state, "pending");
  EXPECT_EQ(GetJob(spot)->state_reason, "waiting for capacity");
  EXPECT_EQ(GetJob(high)->state, "scheduled");
  EXPECT_EQ(svc.stats().preempted, 1u);
}

// Preemption evicts only when the whole gang then fits, and only spot work: a job that can
// never fit evicts nothing, nor does a gang that would need a normal job's node too.
TEST_F(PlacementServiceTest, PreemptionEvictsNothingWhenItCannotMakeRoom) {
  PlacementService svc(reg_.get(), {});
  const std::string spot = SubmitAs("cheap", "spot", 1, 8);
  const std::string normal = SubmitAs("other", "normal", 1, 8);
  svc.RunOnce();
  ASSERT_EQ(GetJob(spot)->state, "scheduled");
  ASSERT_EQ(GetJob(normal)->state, "scheduled");
  const std::string never = SubmitAs("urgent", "high", 3, 8);  // three nodes in a two-node pool
  svc.RunOnce();
  EXPECT_EQ(GetJob(never)->state_reason, "no pool can ever hold this job (models, sizes or gang)");
  const std::string gang = SubmitAs("urgent", "high", 2, 8);  // would need the normal job's node
  svc.RunOnce();
  EXPECT_EQ(GetJob(gang)->state, "pending");
  EXPECT_EQ(GetJob(gang)->state_reason, "waiting for capacity");
  EXPECT_EQ(GetJob(spot)->state, "scheduled");
  EXPECT_EQ(GetJob(normal)->state, "scheduled");
  EXPECT_EQ(svc.stats().preempted, 0u);
  // Without the blocked gang at the head of the queue (only the head preempts), a normal job
  // that fits in the spot job's node takes it.
  SetState(gang, "cancelled");
  SetState(never, "cancelled");
  const std::string one = SubmitAs("other", "normal", 1, 4);
  svc.RunOnce();
  EXPECT_EQ(GetJob(one)->state, "scheduled");
  EXPECT_EQ(GetJob(spot)->state, "pending");
  EXPECT_EQ(GetJob(normal)->state, "scheduled");
}

// EASY backfill behind the head's reservation, from duration_estimate_s. The head (8 GPUs)
// will fit on the node where a 100 s job runs; a long 4-GPU job that would fit there now must
// wait (it would delay the head), a 50 s one may start.
TEST_F(PlacementServiceTest, BackfillNeverDelaysTheHead) {
  PlacementService svc(reg_.get(), {});
  const std::string shortrun = SubmitAs("", "normal", 1, 4, 100);
  const std::string longrun = SubmitAs("", "normal", 1, 8, 100'000);
  svc.RunOnce();
  ASSERT_EQ(GetJob(shortrun)->state, "scheduled");
  ASSERT_EQ(GetJob(longrun)->state, "scheduled");
  const std::string x = GetJob(shortrun)->placement[0].node_id;
  const std::string head = SubmitAs("", "normal", 1, 8, 1000);
  const std::string later = SubmitAs("", "normal", 1, 4, 100'000);
  const std::string quick = SubmitAs("", "normal", 1, 4, 50);
  svc.RunOnce();
  EXPECT_EQ(GetJob(head)->state, "pending");
  EXPECT_EQ(GetJob(later)->state, "pending");
  ASSERT_EQ(GetJob(quick)->state, "scheduled");
  EXPECT_EQ(GetJob(quick)->placement[0].node_id, x);
  // The node frees up: the head gets it before the job behind it.
  SetState(shortrun, "succeeded");
  SetState(quick, "succeeded");
  svc.RunOnce();
  ASSERT_EQ(GetJob(head)->state, "scheduled");
  EXPECT_EQ(GetJob(head)->placement[0].node_id, x);
  EXPECT_EQ(GetJob(later)->state, "pending");
}


// The learned workload profile. Pool "pool-l": node "l-0" with 128 cores and two with 96, eight
// A800 each (the fixture's pool has no A800, so the jobs below can only go here).
class LearnedProfileTest : public PlacementServiceTest {
 protected:
  void SetUp() override {
    PlacementServiceTest::SetUp();
    AddAiPool("a800", "pool-l", "l-", {128, 96, 96}, "");
  }
  // One task of `gpus` whole A800s and `cores` cores.
  std::string SubmitShape(int gpus, int cores) {
    clock_.Advance(Millis(1000));
    Job j;
    j.id = ids_.NewId("job");
    j.name = "shape";
    j.priority = "normal";
    j.tasks = 1;
    j.cpu_cores = cores;
    j.memory_gib = 64;
    j.duration_estimate_s = 3600;
    j.accelerators.count = gpus;
    j.accelerators.any_of = {"a800"};
    j.commands = {{"CUDA", "python train.py"}};
    EXPECT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      txn.Put(j, "create");
      return OkStatus();
    }).ok());
    return j.id;
  }
};

// The pool was given many 1-GPU 8-core jobs and a few 8-GPU 120-core ones (which only l-0 can
// hold), all of them gone by now. A new 1-GPU job, with the profile learned from them, leaves
// l-0 whole (the hosting price of the rare shape's only copy), so an 8-GPU 120-core job still
// fits. Without the profile every key of the policy ties on the empty pool and the node rank
// puts the 1-GPU job on l-0, where it blocks the large job.
TEST_F(LearnedProfileTest, AOneGpuJobLeavesTheOnlyHostOfARareLargeShape) {
  for (bool learn : {false, true}) {
    SCOPED_TRACE(learn ? "learned profile" : "empty profile");
    PlacementOptions o;
    o.learn_profile = learn;
    PlacementService svc(reg_.get(), o);
    std::vector<std::string> seen;
    for (int i = 0; i < 60; ++i) seen.push_back(SubmitShape(1, 8));
    for (int i = 0; i < 3; ++i) seen.push_back(SubmitShape(8, 120));
    svc.RunOnce();
    EXPECT_EQ(svc.stats().profiles_learned, learn ? 1u : 0u);
    for (const auto& id : seen) SetState(id, "cancelled");
    svc.RunOnce();  // gives their devices back
    const std::string one = SubmitShape(1, 8);
    svc.RunOnce();
    ASSERT_EQ(GetJob(one)->state, "scheduled");
    const std::string node = GetJob(one)->placement.at(0).node_id;
    if (learn) {
      EXPECT_NE(node, "l-0");
    } else {
      EXPECT_EQ(node, "l-0");
    }
    const std::string large = SubmitShape(8, 120);
    svc.RunOnce();
    EXPECT_EQ(GetJob(large)->state, learn ? "scheduled" : "pending");
    if (learn) {
      EXPECT_EQ(GetJob(large)->placement.at(0).node_id, "l-0");
    }
    SetState(one, "cancelled");
    SetState(large, "cancelled");
  }
}

// Profiles are rebuilt at the first round with jobs, then after as many new jobs as the window
// held at the last rebuild (doubling) or profile_every; each job counts once however many
// rounds it waits; after a restart the jobs placed by the earlier run count again.
TEST_F(LearnedProfileTest, ProfilesAreRebuiltAsJobsArrive) {
  PlacementOptions o;
  o.profile_every = 4;
  o.profile_window = 8;
  {
    PlacementService svc(reg_.get(), o);
    const std::string big = SubmitShape(8, 120);  // runs on l-0 throughout
    svc.RunOnce();
    EXPECT_EQ(svc.stats().profiles_learned, 1u);  // from 1 job
    ASSERT_EQ(GetJob(big)->state, "scheduled");
    // 24 jobs of 8 GPUs and 96 cores: two run, the rest wait and are not counted again.
    std::vector<uint64_t> learned;
    for (int i = 0; i < 24; ++i) {
      SubmitShape(8, 96);
      svc.RunOnce();
      learned.push_back(svc.stats().profiles_learned);
    }
    // Rebuilt after 1 new job (window 2), 2 (4), 4 (8), then every 4 while the window is 8.
    EXPECT_EQ(learned[0], 2u);
    EXPECT_EQ(learned[1], 2u);
    EXPECT_EQ(learned[2], 3u);
    EXPECT_EQ(learned[5], 3u);
    EXPECT_EQ(learned[6], 4u);
    EXPECT_EQ(learned[10], 5u);
    EXPECT_EQ(learned[23], 8u);
    svc.RunOnce();
    svc.RunOnce();
    EXPECT_EQ(svc.stats().profiles_learned, 8u);
  }
  PlacementService again(reg_.get(), o);
  again.RunOnce();  // adopts the three running jobs, counts the 22 waiting ones
  EXPECT_EQ(again.stats().restored, 3u);
  EXPECT_EQ(again.stats().profiles_learned, 1u);
  again.RunOnce();
  EXPECT_EQ(again.stats().profiles_learned, 1u);
}

}  // namespace
}  // namespace suanli::placement
