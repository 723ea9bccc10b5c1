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

}  // namespace
}  // namespace suanli::sched
