// SlurmPoolDriver against a real Slurm: the single-node cluster of scripts/slurm.sh (one node,
// fake GPUs as GRES gpu:h100). scripts/test.sh starts it and sets SUANLI_TEST_SLURM=1; by hand:
//
//   scripts/slurm.sh start && SUANLI_TEST_SLURM=1 build-slurm/src/slurm/slurm_live_test
//
// SUANLI_TEST_SLURM_PARTITION names another partition (default "suanli", the script's).
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "slurm/client.h"
#include "slurm/driver.h"
#include "slurm/parse.h"

namespace suanli::slurm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

class SlurmLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("SUANLI_TEST_SLURM", "") != "1") {
      GTEST_SKIP() << "no Slurm to test against: run scripts/slurm.sh start and set "
                      "SUANLI_TEST_SLURM=1 (scripts/test.sh does both)";
    }
    std::random_device rd;
    std::stringstream id;
    id << "job-t" << std::hex << rd() << rd();
    job_id_ = id.str();
    dir_ = fs::temp_directory_path() / ("suanli-slurm-" + job_id_);
    fs::create_directories(dir_);
    options_.partition = Env("SUANLI_TEST_SLURM_PARTITION", "suanli");
    client_ = std::make_unique<SlurmClient>(runner_, options_);
    driver_ = NewDriver();
  }

  void TearDown() override {
    if (driver_) (void)driver_->CancelJob(job_id_);
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<SlurmPoolDriver> NewDriver() {
    SlurmPoolOptions o;
    o.pool_id = "pool-test";
    o.gpu_models = {{"h100", "nvidia-h100-sxm"}};
    return std::make_unique<SlurmPoolDriver>(*client_, o);
  }

  TaskSpec Task(int task_index, std::string command) {
    TaskSpec t;
    t.key = {job_id_, task_index, 0};
    t.command = std::move(command);
    t.cpus = 1;
    t.memory_mib = 64;
    t.work_dir = dir_.string();
    t.output_path = (dir_ / ("task-" + std::to_string(task_index) + ".log")).string();
    t.checkpoint_dir = (dir_ / ("ckpt-" + std::to_string(task_index))).string();
    return t;
  }

  // Polls `driver` until `key` reaches a state accepted by `done`; returns every update seen
  // for it, the last one being that state. Fails after 60 s.
  std::vector<TaskUpdate> WaitFor(SlurmPoolDriver& driver, const TaskKey& key,
                                  const std::function<bool(TaskState)>& done) {
    std::vector<TaskUpdate> seen;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto updates = driver.Poll();
      EXPECT_TRUE(updates) << updates.error().ToString();
      if (!updates) return seen;
      // Updates for other tasks wait in the backlog for their own WaitFor.
      backlog_.insert(backlog_.end(), updates->begin(), updates->end());
      for (auto it = backlog_.begin(); it != backlog_.end();) {
        if (it->key != key) {
          ++it;
          continue;
        }
        seen.push_back(*it);
        it = backlog_.erase(it);
        if (done(seen.back().state)) return seen;
      }
      std::this_thread::sleep_for(150ms);
    }
    ADD_FAILURE() << "task " << key.task_index << " attempt " << key.attempt
                  << " did not reach the expected state in 60 s";
    return seen;
  }

  std::vector<TaskUpdate> WaitTerminal(SlurmPoolDriver& driver, const TaskKey& key) {
    return WaitFor(driver, key, [](TaskState s) { return IsTerminal(s); });
  }

  // How many Slurm jobs squeue lists under the attempt's name.
  int SlurmJobsNamed(const TaskKey& key) {
    auto queue = client_->Queue();
    EXPECT_TRUE(queue);
    int n = 0;
    for (const auto& j : *queue) n += j.name == TaskJobName("suanli", key);
    return n;
  }

  SystemCommandRunner runner_;
  SlurmClientOptions options_;
  std::unique_ptr<SlurmClient> client_;
  std::unique_ptr<SlurmPoolDriver> driver_;
  std::vector<TaskUpdate> backlog_;
  std::string job_id_;
  fs::path dir_;
};

TEST_F(SlurmLiveTest, ImportsNodesWithGresGpus) {
  auto nodes = driver_->SyncInventory();
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  ASSERT_FALSE(nodes->empty());
  const PoolNode* gpu_node = nullptr;
  for (const auto& n : *nodes) {
    EXPECT_GT(n.cpu_cores, 0) << n.name;
    EXPECT_GT(n.memory_mib, 0) << n.name;
    if (!n.accelerators.empty()) gpu_node = &n;
  }
  ASSERT_NE(gpu_node, nullptr) << "no node with GRES gpu in the partition";
  EXPECT_EQ(gpu_node->state, "ready") << gpu_node->state_reason;
  const auto& acc = gpu_node->accelerators.front();
  EXPECT_GE(acc.count, 2);
  if (acc.gres_type == "h100") {
    EXPECT_EQ(acc.model, "nvidia-h100-sxm");
  }
}

TEST_F(SlurmLiveTest, TaskRunsWithItsEnvironmentAndGpusAndSucceeds) {
  TaskSpec t = Task(0,
                    "echo \"started $SUANLI_JOB_ID\"; "
                    "printf '%s\\n' \"$SUANLI_RESTART_COUNT\" \"$CUDA_VISIBLE_DEVICES\" "
                    "\"$SUANLI_CHECKPOINT_DIR\" \"$MY_SETTING\" > result.txt");
  t.key.attempt = 2;  // a restarted task: SUANLI_RESTART_COUNT=2
  t.gpus = 2;
  t.env = {{"MY_SETTING", "a b;$(c)"}};
  auto id = driver_->Start(t);
  ASSERT_TRUE(id) << id.error().ToString();
  auto seen = WaitTerminal(*driver_, t.key);
  ASSERT_FALSE(seen.empty());
  const TaskUpdate& last = seen.back();
  EXPECT_EQ(last.state, TaskState::kSucceeded) << last.reason;
  EXPECT_EQ(last.exit_code, 0);
  EXPECT_EQ(last.slurm_job_id, *id);
  EXPECT_FALSE(last.node.empty());

  std::string result = ReadFile(dir_ / "result.txt");
  std::istringstream lines(result);
  std::string restart, cuda, ckpt, setting;
  std::getline(lines, restart);
  std::getline(lines, cuda);
  std::getline(lines, ckpt);
  std::getline(lines, setting);
  EXPECT_EQ(restart, "2");
  EXPECT_EQ(cuda, "0,1") << "two GRES GPUs should be visible";
  EXPECT_EQ(ckpt, t.checkpoint_dir);
  EXPECT_EQ(setting, "a b;$(c)");  // passed as data, never evaluated
  EXPECT_NE(ReadFile(t.output_path).find("started " + job_id_), std::string::npos);
}

TEST_F(SlurmLiveTest, FailingTaskReportsItsExitCode) {
  TaskSpec t = Task(1, "echo failing; exit 7");
  ASSERT_TRUE(driver_->Start(t));
  auto seen = WaitTerminal(*driver_, t.key);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().state, TaskState::kFailed) << seen.back().reason;
  EXPECT_EQ(seen.back().exit_code, 7);
}

TEST_F(SlurmLiveTest, CancelStopsASleepingTask) {
  TaskSpec t = Task(2, "echo sleeping; sleep 300");
  t.gpus = 1;
  ASSERT_TRUE(driver_->Start(t));
  auto running = WaitFor(*driver_, t.key, [](TaskState s) { return s == TaskState::kRunning; });
  ASSERT_FALSE(running.empty());
  ASSERT_EQ(running.back().state, TaskState::kRunning);
  // The inventory shows what the running task holds.
  auto nodes = driver_->SyncInventory();
  ASSERT_TRUE(nodes);
  int cpus = 0, gpus = 0;
  for (const auto& n : *nodes) {
    if (n.name != running.back().node) continue;
    cpus = n.cpu_cores_allocated;
    gpus = n.accelerators_allocated;
  }
  EXPECT_GE(cpus, 1);
  EXPECT_GE(gpus, 1);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_->Cancel(t.key).ok());
  auto seen = WaitTerminal(*driver_, t.key);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().state, TaskState::kCancelled) << seen.back().reason;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  EXPECT_TRUE(driver_->Cancel(t.key).ok() || true);  // cancelling again is harmless
  EXPECT_EQ(driver_->Cancel({job_id_, 99, 0}).code(), StatusCode::kNotFound);
}

TEST_F(SlurmLiveTest, AFreshDriverReconcilesWithoutLosingOrDuplicatingTasks) {
  TaskSpec sleeper = Task(3, "sleep 300");
  TaskSpec quick = Task(4, "echo quick; exit 5");
  auto sleeper_id = driver_->Start(sleeper);
  auto quick_id = driver_->Start(quick);
  ASSERT_TRUE(sleeper_id && quick_id);
  ASSERT_FALSE(WaitFor(*driver_, sleeper.key, [](TaskState s) { return s == TaskState::kRunning; }).empty());

  // The server restarts: the old driver is gone without having seen the quick task end.
  driver_.reset();
  std::this_thread::sleep_for(1500ms);
  driver_ = NewDriver();

  // Starting the same attempts again submits nothing: the ids are the ones Slurm has.
  auto again = driver_->Start(sleeper);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, *sleeper_id);
  again = driver_->Start(quick);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *quick_id);
  EXPECT_EQ(SlurmJobsNamed(sleeper.key), 1);
  EXPECT_EQ(SlurmJobsNamed(quick.key), 1);

  // Nothing is lost: the quick task's end is reported with its exit code, the sleeper runs.
  auto quick_seen = WaitTerminal(*driver_, quick.key);
  ASSERT_FALSE(quick_seen.empty());
  EXPECT_EQ(quick_seen.back().state, TaskState::kFailed);
  EXPECT_EQ(quick_seen.back().exit_code, 5);
  auto tracked = driver_->Tracked();
  bool sleeper_tracked = false;
  for (const auto& t : tracked) {
    if (t.key == sleeper.key) {
      sleeper_tracked = true;
      EXPECT_EQ(t.slurm_job_id, *sleeper_id);
      EXPECT_EQ(t.reported, TaskState::kRunning);
    }
  }
  EXPECT_TRUE(sleeper_tracked);

  // A later attempt of the sleeper replaces it: attempt 0 is cancelled, attempt 1 runs.
  TaskSpec retry = sleeper;
  retry.key.attempt = 1;
  retry.command = "echo \"restart $SUANLI_RESTART_COUNT\"";
  ASSERT_TRUE(driver_->Start(retry));
  auto old_end = WaitTerminal(*driver_, sleeper.key);
  ASSERT_FALSE(old_end.empty());
  EXPECT_EQ(old_end.back().state, TaskState::kCancelled);
  auto retry_end = WaitTerminal(*driver_, retry.key);
  ASSERT_FALSE(retry_end.empty());
  EXPECT_EQ(retry_end.back().state, TaskState::kSucceeded);
  EXPECT_NE(ReadFile(retry.output_path).find("restart 1"), std::string::npos);
}

TEST_F(SlurmLiveTest, AccountingKnowsFinishedJobsAfterSlurmctldForgetsThem) {
  // squeue forgets a job MinJobAge after it ended; the job-completion log (sacct -c) or
  // slurmdbd (sacct) still knows its end and exit code.
  TaskSpec t = Task(6, "exit 4");
  auto id = driver_->Start(t);
  ASSERT_TRUE(id);
  ASSERT_FALSE(WaitTerminal(*driver_, t.key).empty());
  auto acct = client_->Accounting({*id});
  ASSERT_TRUE(acct) << acct.error().ToString();
  ASSERT_EQ(acct->size(), 1u) << "is JobCompType or slurmdbd configured?";
  EXPECT_EQ(acct->front().name, TaskJobName("suanli", t.key));
  EXPECT_EQ(acct->front().slurm_state, "FAILED");
  EXPECT_EQ(acct->front().exit_code, 4);
}

TEST_F(SlurmLiveTest, ATaskSlurmCanNeverRunIsRefused) {
  TaskSpec t = Task(5, "true");
  t.gpus = 64;
  auto r = driver_->Start(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition) << r.error().ToString();
}

}  // namespace
}  // namespace suanli::slurm
