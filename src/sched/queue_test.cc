#include "sched/queue.h"

#include <gtest/gtest.h>

namespace suanli::sched {
namespace {

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.AddNode({"a", 64000, 65536, 4, "G", "", ""}).value();
    engine_ = std::make_unique<Engine>(&cluster_, *MakePolicy("bestfit", {}));
    queue_ = std::make_unique<QueueScheduler>(engine_.get());
  }
  Job MakeJob(uint64_t id, int gpus, PriorityClass p, int64_t submit, int64_t runtime,
              std::string org = "o1") {
    return {id, std::move(org), p, {{1000, 1, gpus, 1000}, 1, kAnyModel, false}, submit, runtime};
  }
  static std::vector<uint64_t> Ids(const ScheduleEvents& ev) {
    std::vector<uint64_t> out;
    for (const auto& s : ev.started) out.push_back(s.first);
    return out;
  }
  Cluster cluster_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<QueueScheduler> queue_;
};

TEST_F(QueueTest, HigherClassGoesFirst) {
  ASSERT_TRUE(queue_->Submit(MakeJob(1, 4, PriorityClass::kSpot, 0, 100)).ok());
  ASSERT_TRUE(queue_->Submit(MakeJob(2, 4, PriorityClass::kHigh, 5, 100)).ok());
  EXPECT_EQ(Ids(queue_->Schedule(10)), std::vector<uint64_t>{2});
}

TEST_F(QueueTest, HigherClassPreemptsSpot) {
  ASSERT_TRUE(queue_->Submit(MakeJob(1, 4, PriorityClass::kSpot, 0, 100)).ok());
  EXPECT_EQ(Ids(queue_->Schedule(0)), std::vector<uint64_t>{1});
  ASSERT_TRUE(queue_->Submit(MakeJob(2, 2, PriorityClass::kNormal, 1, 100)).ok());
  auto ev = queue_->Schedule(1);
  EXPECT_EQ(ev.preempted, std::vector<uint64_t>{1});
  EXPECT_EQ(Ids(ev), std::vector<uint64_t>{2});
  EXPECT_EQ(queue_->queued(), 1u);  // the spot job waits again
}

// Slurm's PreemptExemptTime: spot work younger than spot_exempt_ms keeps running; once it is
// older, the same job is evicted.
TEST_F(QueueTest, YoungSpotWorkIsExemptFromPreemption) {
  QueueOptions opts;
  opts.spot_exempt_ms = 600'000;
  queue_ = std::make_unique<QueueScheduler>(engine_.get(), opts);
  ASSERT_TRUE(queue_->Submit(MakeJob(1, 4, PriorityClass::kSpot, 0, 0)).ok());
  EXPECT_EQ(Ids(queue_->Schedule(0)), std::vector<uint64_t>{1});
  ASSERT_TRUE(queue_->Submit(MakeJob(2, 2, PriorityClass::kNormal, 1, 100)).ok());
  auto young = queue_->Schedule(599'999);
  EXPECT_TRUE(young.preempted.empty());
  EXPECT_TRUE(young.started.empty());
  EXPECT_EQ(queue_->partition_of(1), 0);  // still running
  auto old = queue_->Schedule(600'000 + 10'000);  // past the exemption and the retry pause
  EXPECT_EQ(old.preempted, std::vector<uint64_t>{1});
  EXPECT_EQ(Ids(old), std::vector<uint64_t>{2});
}

TEST_F(QueueTest, BackfillNeverDelaysTheHeadReservation) {
  ASSERT_TRUE(queue_->Submit(MakeJob(1, 3, PriorityClass::kNormal, 0, 1000)).ok());
  queue_->Schedule(0);  // 1 GPU left until t=1000
  ASSERT_TRUE(queue_->Submit(MakeJob(2, 4, PriorityClass::kNormal, 1, 500)).ok());   // head
  ASSERT_TRUE(queue_->Submit(MakeJob(3, 1, PriorityClass::kNormal, 2, 5000)).ok());  // too long
  ASSERT_TRUE(queue_->Submit(MakeJob(4, 1, PriorityClass::kNormal, 3, 500)).ok());   // fits
  EXPECT_EQ(Ids(queue_->Schedule(10)), std::vector<uint64_t>{4});
  EXPECT_EQ(queue_->reservation().first, 2u);
  EXPECT_EQ(queue_->reservation().second, 1000);
}

TEST_F(QueueTest, FairShareAndQuota) {
  ASSERT_TRUE(queue_->Submit(MakeJob(1, 2, PriorityClass::kNormal, 0, 0, "big")).ok());
  queue_->Schedule(0);
  ASSERT_TRUE(queue_->Submit(MakeJob(2, 2, PriorityClass::kNormal, 1, 0, "big")).ok());
  ASSERT_TRUE(queue_->Submit(MakeJob(3, 2, PriorityClass::kNormal, 2, 0, "small")).ok());
  // "small" has the lower dominant share, so it goes first although it came later.
  EXPECT_EQ(Ids(queue_->Schedule(3)), std::vector<uint64_t>{3});
  ASSERT_TRUE(queue_->Finish(3).ok());
  queue_->SetQuota("big", 2000);  // big already uses 2 GPUs: job 2 must wait
  EXPECT_TRUE(Ids(queue_->Schedule(4)).empty());
}

TEST_F(QueueTest, StarvedJobMovesToTheFront) {
  QueueScheduler q(engine_.get(), {.starvation_ms = 100});
  ASSERT_TRUE(q.Submit(MakeJob(1, 4, PriorityClass::kNormal, 0, 0, "heavy")).ok());
  ASSERT_TRUE(q.Submit(MakeJob(2, 1, PriorityClass::kNormal, 150, 0, "light")).ok());
  ASSERT_TRUE(q.Submit(MakeJob(9, 1, PriorityClass::kNormal, 0, 0, "heavy")).ok());
  q.Schedule(0);  // starts job 1 (4 GPUs)... and nothing else fits
  ASSERT_TRUE(q.Finish(1).ok());
  // At t=200 job 9 has waited 200 ms > 100: it goes before the fresher, fairer job 2.
  auto ids = Ids(q.Schedule(200));
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 9u);
}

// Two 4-GPU nodes. The head (4 GPUs) will fit on "a" at t=1000 and on "b" only at t=5000, so
// it reserves "a". A long 2-GPU job may still start on "b": it cannot delay the head there.
TEST(QueueReservation, HoldsOnlyTheNodesTheHeadWillUse) {
  Cluster cluster;
  NodeSlot a = cluster.AddNode({"a", 64000, 65536, 4, "G", "", ""}).value();
  NodeSlot b = cluster.AddNode({"b", 64000, 65536, 4, "G", "", ""}).value();
  Engine engine(&cluster, *MakePolicy("bestfit", {}));
  QueueScheduler q(&engine);
  auto job = [](uint64_t id, int gpus, int64_t submit, int64_t runtime) {
    return Job{id, "o", PriorityClass::kNormal, {{1000, 1, gpus, 1000}, 1, kAnyModel, false},
               submit, runtime};
  };
  ASSERT_TRUE(q.Submit(job(1, 4, 0, 1000)).ok());
  auto first = q.Schedule(0);
  ASSERT_EQ(first.started.size(), 1u);
  const NodeSlot one = first.started[0].second.tasks[0].node;  // job 1's node (4 GPUs, to t=1000)
  const NodeSlot other = one == a ? b : a;
  ASSERT_TRUE(q.Submit(job(2, 2, 1, 5000)).ok());
  ASSERT_EQ(q.Schedule(1).started.size(), 1u);  // job 2 on the other node, to t=5001
  ASSERT_TRUE(q.Submit(job(3, 4, 2, 100)).ok());     // head: no node has 4 free
  ASSERT_TRUE(q.Submit(job(4, 2, 3, 100000)).ok());  // long, 2 GPUs
  auto ev = q.Schedule(10);
  ASSERT_EQ(ev.started.size(), 1u);
  EXPECT_EQ(ev.started[0].first, 4u);
  EXPECT_EQ(ev.started[0].second.tasks[0].node, other);
  EXPECT_EQ(q.reservation(), (std::pair<uint64_t, int64_t>{3, 1000}));
  EXPECT_EQ(q.reserved_nodes(), std::vector<NodeSlot>{one});
  EXPECT_EQ(cluster.node(one).state, NodeState::kUp);  // held only while backfilling
  // A long job that would need the reserved node waits.
  ASSERT_TRUE(q.Submit(job(5, 1, 11, 100000)).ok());
  EXPECT_TRUE(q.Schedule(12).started.empty());
  ASSERT_TRUE(q.Finish(1).ok());
  auto at_shadow = q.Schedule(1000);
  ASSERT_FALSE(at_shadow.started.empty());
  EXPECT_EQ(at_shadow.started[0].first, 3u);  // the head got its node at its shadow time
}

TEST_F(QueueTest, PreemptionEvictsOnlyWhatTheJobNeeds) {
  ASSERT_TRUE(queue_->Submit(MakeJob(1, 1, PriorityClass::kSpot, 0, 100)).ok());
  ASSERT_TRUE(queue_->Submit(MakeJob(2, 1, PriorityClass::kSpot, 1, 100)).ok());
  ASSERT_TRUE(queue_->Submit(MakeJob(3, 2, PriorityClass::kSpot, 2, 100)).ok());
  EXPECT_EQ(Ids(queue_->Schedule(2)).size(), 3u);  // the node's 4 GPUs are all spot work
  // A job that can never fit (8 GPUs on a 4-GPU node) evicts nothing.
  ASSERT_TRUE(queue_->Submit(MakeJob(4, 8, PriorityClass::kHigh, 3, 100)).ok());
  EXPECT_TRUE(queue_->Schedule(3).preempted.empty());
  ASSERT_TRUE(queue_->Cancel(4).ok());
  // One GPU for a normal job: only the newest spot job goes (it frees 2).
  ASSERT_TRUE(queue_->Submit(MakeJob(5, 1, PriorityClass::kNormal, 4, 100)).ok());
  auto ev = queue_->Schedule(4);
  EXPECT_EQ(ev.preempted, std::vector<uint64_t>{3});
  EXPECT_EQ(Ids(ev).front(), 5u);
  EXPECT_EQ(queue_->running(), 3u);  // jobs 1, 2 and 5
}

// X: a normal 3-GPU job and the newest spot job (1 GPU). Y: an older spot job (2 GPUs) and a
// normal 2-GPU job. A normal 2-GPU job can only get room on Y, so only Y's spot job goes;
// evicting newest-first across the pool would also have killed X's for nothing.
TEST(QueuePreemption, EvictsOnTheNodeWhereItHelps) {
  Cluster cluster;
  NodeSlot x = cluster.AddNode({"x", 64000, 65536, 4, "G", "", ""}).value();
  NodeSlot y = cluster.AddNode({"y", 64000, 65536, 4, "G", "", ""}).value();
  Engine engine(&cluster, *MakePolicy("bestfit", {}));
  QueueScheduler q(&engine);
  auto job = [](uint64_t id, int gpus, PriorityClass p, int64_t submit) {
    return Job{id, "o", p, {{1000, 1, gpus, 1000}, 1, kAnyModel, false}, submit, 100};
  };
  auto start_on = [&](NodeSlot only, const Job& j) {
    NodeSlot not_it = only == x ? y : x;
    ASSERT_TRUE(cluster.SetNodeState(not_it, NodeState::kCordoned).ok());
    ASSERT_TRUE(q.Submit(j).ok());
    auto ev = q.Schedule(j.submit_ms);
    ASSERT_TRUE(cluster.SetNodeState(not_it, NodeState::kUp).ok());
    ASSERT_EQ(ev.started.size(), 1u);
    ASSERT_EQ(ev.started[0].second.tasks[0].node, only);
  };
  start_on(x, job(1, 3, PriorityClass::kNormal, 0));
  start_on(y, job(2, 2, PriorityClass::kSpot, 1));
  start_on(y, job(3, 2, PriorityClass::kNormal, 1));
  start_on(x, job(4, 1, PriorityClass::kSpot, 2));  // the newest spot job
  ASSERT_TRUE(q.Submit(job(5, 2, PriorityClass::kNormal, 3)).ok());
  auto ev = q.Schedule(3);
  EXPECT_EQ(ev.preempted, std::vector<uint64_t>{2});
  ASSERT_EQ(ev.started.size(), 1u);
  EXPECT_EQ(ev.started[0].first, 5u);
  EXPECT_EQ(ev.started[0].second.tasks[0].node, y);
}


// Several partitions (the server's pools): one 4-GPU node each.
class QueuePartitions : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int p = 0; p < 2; ++p) {
      clusters_[p].AddNode({"n" + std::to_string(p), 64000, 65536, 4, "G", "", ""}).value();
      engines_[p] = std::make_unique<Engine>(&clusters_[p], *MakePolicy("bestfit", {}));
      EXPECT_EQ(q_.AddPartition(engines_[p].get()), p);
    }
  }
  static Job MakeJob(uint64_t id, int gpus, PriorityClass p, int64_t submit, int64_t runtime,
                     std::vector<std::pair<int, ModelMask>> where, std::string org = "o") {
    Job j{id, std::move(org), p, {{1000, 1, gpus, 1000}, 1, kAnyModel, false}, submit, runtime};
    j.where = std::move(where);
    return j;
  }
  // Starts `j` in partition `part` (the only one it may use).
  void StartIn(int part, Job j) {
    j.where = {{part, kAnyModel}};
    ASSERT_TRUE(q_.Submit(j).ok());
    auto ev = q_.Schedule(j.submit_ms);
    ASSERT_EQ(ev.started.size(), 1u);
    ASSERT_EQ(q_.partition_of(j.id), part);
  }
  Cluster clusters_[2];
  std::unique_ptr<Engine> engines_[2];
  QueueScheduler q_{QueueOptions{}};
};

TEST_F(QueuePartitions, StartsInTheLeastUtilisedPartitionThatCanHoldIt) {
  const std::vector<std::pair<int, ModelMask>> both = {{0, kAnyModel}, {1, kAnyModel}};
  ASSERT_TRUE(q_.Submit(MakeJob(1, 2, PriorityClass::kNormal, 0, 0, both)).ok());
  ASSERT_TRUE(q_.Schedule(0).started.size() == 1);
  EXPECT_EQ(q_.partition_of(1), 0);  // a tie: the order given
  ASSERT_TRUE(q_.Submit(MakeJob(2, 1, PriorityClass::kNormal, 1, 0, both)).ok());
  q_.Schedule(1);
  EXPECT_EQ(q_.partition_of(2), 1);  // partition 0 is busier
  // A job pinned to partition 0 goes there; one whose model is absent from 1 too.
  ASSERT_TRUE(q_.Submit(MakeJob(3, 2, PriorityClass::kNormal, 2, 0, {{0, kAnyModel}})).ok());
  ASSERT_TRUE(
      q_.Submit(MakeJob(4, 1, PriorityClass::kNormal, 3, 0, {{0, kAnyModel}, {1, 0}})).ok());
  q_.Schedule(3);
  EXPECT_EQ(q_.partition_of(3), 0);
  EXPECT_EQ(q_.partition_of(4), -1);  // partition 0 is full and 1 has no allowed model
  EXPECT_FALSE(q_.CouldEverRun(MakeJob(5, 1, PriorityClass::kNormal, 4, 0, {{1, 0}})));
  EXPECT_FALSE(q_.CouldEverRun(MakeJob(6, 8, PriorityClass::kNormal, 4, 0, both)));
  EXPECT_TRUE(q_.CouldEverRun(MakeJob(7, 4, PriorityClass::kNormal, 4, 0, both)));
}

// Partition 1 has a 2-GPU spot job beside a normal one, partition 0 a 4-GPU spot job. A high
// 4-GPU job tries 1 first, where evicting cannot make room, and evicts in 0 only.
TEST_F(QueuePartitions, PreemptsInsideOnePartitionForTheWholeGang) {
  StartIn(0, MakeJob(1, 4, PriorityClass::kSpot, 0, 100, {}));
  StartIn(1, MakeJob(2, 2, PriorityClass::kSpot, 1, 100, {}));
  StartIn(1, MakeJob(3, 2, PriorityClass::kNormal, 2, 100, {}));
  ASSERT_TRUE(q_.Submit(MakeJob(4, 4, PriorityClass::kHigh, 3, 100, {{1, kAnyModel},
                                                                       {0, kAnyModel}})).ok());
  auto ev = q_.Schedule(3);
  EXPECT_EQ(ev.preempted, std::vector<uint64_t>{1});
  EXPECT_EQ(ev.preemptor, std::vector<uint64_t>{4});
  ASSERT_EQ(ev.started.size(), 1u);
  EXPECT_EQ(q_.partition_of(4), 0);
  EXPECT_EQ(q_.partition_of(2), 1);  // untouched
  EXPECT_TRUE(q_.is_queued(1));
}

TEST_F(QueuePartitions, ReservesWhereTheHeadFitsEarliestAndSharesAreNetworkWide) {
  StartIn(0, MakeJob(1, 4, PriorityClass::kNormal, 0, 5000, {}, "a"));
  StartIn(1, MakeJob(2, 3, PriorityClass::kNormal, 0, 1000, {}, "a"));
  const std::vector<std::pair<int, ModelMask>> both = {{0, kAnyModel}, {1, kAnyModel}};
  ASSERT_TRUE(q_.Submit(MakeJob(3, 4, PriorityClass::kNormal, 1, 100, both, "a")).ok());
  EXPECT_TRUE(q_.Schedule(1).started.empty());
  EXPECT_EQ(q_.reservation(), (std::pair<uint64_t, int64_t>{3, 1000}));
  EXPECT_EQ(q_.reserved_partition(), 1);
  // "a" holds 7 of 8 GPUs over both partitions: "b", later, gets the last GPU before "a".
  EXPECT_FALSE(q_.Finish(3).ok());  // queued, not running
  ASSERT_TRUE(q_.Cancel(3).ok());
  ASSERT_TRUE(q_.Submit(MakeJob(4, 1, PriorityClass::kNormal, 2, 0, both, "a")).ok());
  ASSERT_TRUE(q_.Submit(MakeJob(5, 1, PriorityClass::kNormal, 3, 0, both, "b")).ok());
  auto ev = q_.Schedule(3);
  ASSERT_EQ(ev.started.size(), 1u);
  EXPECT_EQ(ev.started[0].first, 5u);
}

TEST_F(QueuePartitions, AdoptsAPlacementMadeEarlier) {
  Job j = MakeJob(1, 2, PriorityClass::kSpot, 0, 100, {{1, kAnyModel}});
  ASSERT_TRUE(q_.Submit(j).ok());  // adopting takes it out of the queue
  auto p = q_.Adopt(j, 1, {{0, 1000, {2, 3}}}, 0);
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(q_.is_queued(1));
  EXPECT_EQ(q_.partition_of(1), 1);
  EXPECT_EQ(clusters_[1].allocated_gpu_milli(), 2000);
  EXPECT_FALSE(q_.Adopt(j, 1, {{0, 1000, {0, 1}}}, 0).has_value());  // already running
  // Adopted spot work is preemptible like any other.
  ASSERT_TRUE(q_.Submit(MakeJob(2, 4, PriorityClass::kHigh, 1, 100, {{1, kAnyModel}})).ok());
  EXPECT_EQ(q_.Schedule(1).preempted, std::vector<uint64_t>{1});
  EXPECT_EQ(q_.partition_of(2), 1);
}

}  // namespace
}  // namespace suanli::sched
