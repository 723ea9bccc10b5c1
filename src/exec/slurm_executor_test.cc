// The Slurm executor over a cluster simulated behind a fake command runner (no Slurm needed):
// nodes imported once, a placed task submitted once (also while Slurm keeps it pending), Slurm's
// states reported as an agent would, a failure requeuing the gang, a cancelled job scancel'ed.
// The same against the real Slurm: tests/api/slurm_pool_test.cc.
#include "exec/slurm_executor.h"

#include <gtest/gtest.h>

#include "control/test_registry.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace suanli::exec {
namespace {

using namespace domain;

// A one-node Slurm in memory: sbatch queues a job PENDING; tests move it on.
class FakeSlurm final : public slurm::CommandRunner {
 public:
  struct Job {
    std::string id, name, state = "PENDING", exit = "0:0";
    std::vector<std::string> argv;
  };
  std::vector<Job> jobs;
  std::vector<std::string> cancelled;

  Result<slurm::ProcessResult> Run(const slurm::ProcessSpec& s) override {
    slurm::ProcessResult r;
    r.exit_code = 0;
    const std::string& cmd = s.argv[0];
    if (cmd == "scontrol" && std::find(s.argv.begin(), s.argv.end(), "node") != s.argv.end()) {
      r.out = "NodeName=n1 CPUTot=8 RealMemory=16384 Gres=gpu:h100:4 State=IDLE Partitions=ai\n";
    } else if (cmd == "scontrol") {
      for (const auto& j : jobs)
        if (j.id == s.argv.back())
          r.out = "JobId=" + j.id + " JobName=" + j.name + " JobState=" + j.state +
                  " Reason=None ExitCode=" + j.exit + " Partition=ai NodeList=n1\n";
      if (r.out.empty()) {
        r.exit_code = 1;
        r.err = "slurm_load_jobs error: Invalid job id specified\n";
      }
    } else if (cmd == "sbatch") {
      Job j;
      j.id = std::to_string(100 + jobs.size());
      for (const auto& a : s.argv)
        if (a.rfind("--job-name=", 0) == 0) j.name = a.substr(11);
      j.argv = s.argv;
      jobs.push_back(j);
      r.out = j.id + "\n";
    } else if (cmd == "squeue") {
      for (const auto& j : jobs) r.out += j.id + "|" + j.name + "|ai|" + j.state + "|None|n1\n";
    } else if (cmd == "scancel") {
      cancelled.push_back(s.argv.back());
      for (auto& j : jobs)
        if (j.id == s.argv.back() && (j.state == "RUNNING" || j.state == "PENDING")) {
          j.state = "CANCELLED";
          j.exit = "0:15";
        }
    } else if (cmd == "sacct") {
      r.exit_code = 1;
      r.err = "Slurm accounting storage is disabled\n";
    }
    return r;
  }
};

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

class SlurmExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
                      Accelerator a;
                      a.id = "nvidia-h100-sxm";
                      a.vendor = "NVIDIA";
                      a.ecosystem = "CUDA";
                      txn.Put(a, "create");
                      domain::Pool p;
                      p.id = "pool-s";
                      p.org_id = "org-s";
                      p.site_id = "site-s";
                      p.kind = "ai";
                      p.driver = "slurm";
                      p.slurm_partition = "ai";
                      txn.Put(p, "create");
                      return OkStatus();
                    }).ok());
    ExecOptions eo;
    eo.log_dir = (dir_ / "logs").string();
    exec_ = std::make_unique<ExecutionService>(reg_.get(), &clock_, eo);
    SlurmExecutorOptions o;
    o.work_dir = (dir_ / "work").string();
    o.checkpoint_root = (dir_ / "ckpt").string();
    o.verbose = false;
    slurm_ = std::make_unique<SlurmExecutor>(reg_.get(), exec_.get(), &fake_, o);
  }
  void TearDown() override {
    slurm_.reset();
    exec_.reset();
  }
  void Tick() {
    exec_->RunOnce();  // indexes placed jobs
    slurm_->RunOnce();
  }
  std::shared_ptr<const Node> OnlyNode() {
    std::vector<std::shared_ptr<const Node>> nodes;
    reg_->ForEach<Node>([&](const control::Entry<Node>& e) { nodes.push_back(e.obj); });
    return nodes.size() == 1 ? nodes[0] : nullptr;
  }
  std::shared_ptr<const domain::Job> GetJob() { return reg_->Get<domain::Job>("job-1")->obj; }
  // A job of `gpus` GPUs placed on the imported node, as the placement service would.
  void PlaceJob(int gpus, int max_restarts = 3) {
    auto node = OnlyNode();
    ASSERT_TRUE(node);
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
                      domain::Job j;
                      j.id = "job-1";
                      j.org_id = "org-b";
                      j.name = "train";
                      j.accelerators.count = gpus;
                      j.commands = {{"CUDA", "python train.py"}};
                      j.max_restarts = max_restarts;
                      j.pool_id = "pool-s";
                      j.state = "scheduled";
                      Placement p;
                      p.node_id = node->id;
                      for (int i = 0; i < gpus; ++i) p.devices.push_back(i);
                      j.placement = {p};
                      txn.Put(j, "place");
                      return OkStatus();
                    }).ok());
  }
  void SetJobState(const std::string& state) {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
                      domain::Job j = *txn.Get<domain::Job>("job-1");
                      j.state = state;
                      txn.Put(j, "set");
                      return OkStatus();
                    }).ok());
  }

  control::TestRegistry t_{"slurmexec", 1};
  std::filesystem::path& dir_ = t_.dir;
  FakeClock& clock_ = t_.clock;
  SeededIdSource& ids_ = t_.ids;
  std::unique_ptr<control::Registry>& reg_ = t_.reg;
  std::unique_ptr<ExecutionService> exec_;
  FakeSlurm fake_;
  std::unique_ptr<SlurmExecutor> slurm_;
};

TEST_F(SlurmExecutorTest, ImportsThePartitionsNodesOnce) {
  Tick();
  auto n = OnlyNode();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->name, "n1");
  EXPECT_EQ(n->pool_id, "pool-s");
  EXPECT_EQ(n->org_id, "org-s");
  EXPECT_EQ(n->site_id, "site-s");
  EXPECT_EQ(n->executor, "slurm");
  EXPECT_EQ(n->cpu_cores, 8);
  EXPECT_EQ(n->memory_gib, 16);
  ASSERT_EQ(n->accelerators.size(), 1u);
  EXPECT_EQ(n->accelerators[0].model, "nvidia-h100-sxm");  // GRES type h100 via the catalog
  EXPECT_EQ(n->accelerators[0].count, 4);
  const int64_t version = n->version;
  Tick();
  EXPECT_EQ(OnlyNode()->version, version);  // nothing changed, nothing written
}

TEST_F(SlurmExecutorTest, APlacedTaskIsSubmittedOnceAndFollowed) {
  Tick();
  PlaceJob(2, /*max_restarts=*/1);
  Tick();
  ASSERT_EQ(fake_.jobs.size(), 1u);
  const auto& argv = fake_.jobs[0].argv;
  EXPECT_EQ(fake_.jobs[0].name, "suanli-pool-s-job-1-0-0");
  EXPECT_TRUE(Has(argv, "--nodelist=n1"));
  EXPECT_TRUE(Has(argv, "--gres=gpu:h100:2"));
  EXPECT_TRUE(Has(argv, "--partition=ai"));
  // Pending in Slurm: still assigned here, and not submitted again.
  Tick();
  Tick();
  EXPECT_EQ(fake_.jobs.size(), 1u);
  EXPECT_EQ(GetJob()->state, "scheduled");
  EXPECT_EQ(GetJob()->placement[0].state, "assigned");
  // The task wrote a checkpoint into its SUANLI_CHECKPOINT_DIR (created before sbatch).
  ASSERT_TRUE(std::filesystem::is_directory(dir_ / "ckpt" / "job-1" / "0"));
  std::ofstream(dir_ / "ckpt" / "job-1" / "0" / "step-1") << "state";
  fake_.jobs[0].state = "RUNNING";
  Tick();
  EXPECT_EQ(GetJob()->state, "running");
  EXPECT_EQ(GetJob()->placement[0].state, "running");
  EXPECT_GT(GetJob()->placement[0].checkpoint_at.ms, 0);  // reported like an agent's
  // It fails: the gang is requeued as attempt 1.
  fake_.jobs[0].state = "FAILED";
  fake_.jobs[0].exit = "7:0";
  Tick();
  EXPECT_EQ(GetJob()->state, "pending");
  EXPECT_EQ(GetJob()->restart_count, 1);
  EXPECT_NE(GetJob()->state_reason.find("exited with code 7"), std::string::npos)
      << GetJob()->state_reason;
}

TEST_F(SlurmExecutorTest, ACancelledJobIsScancelled) {
  Tick();
  PlaceJob(1);
  Tick();
  ASSERT_EQ(fake_.jobs.size(), 1u);
  fake_.jobs[0].state = "RUNNING";
  Tick();
  EXPECT_EQ(GetJob()->state, "running");
  SetJobState("cancelled");
  Tick();
  ASSERT_EQ(fake_.cancelled.size(), 1u);
  EXPECT_EQ(fake_.cancelled[0], fake_.jobs[0].id);
  Tick();
  EXPECT_EQ(fake_.cancelled.size(), 1u);  // once
  EXPECT_EQ(fake_.jobs.size(), 1u);
}

TEST_F(SlurmExecutorTest, ANewExecutorAfterARestartSubmitsNothingTwice) {
  Tick();
  PlaceJob(1);
  Tick();
  ASSERT_EQ(fake_.jobs.size(), 1u);
  // The server restarts while Slurm still has the attempt pending.
  SlurmExecutorOptions o;
  o.work_dir = (dir_ / "work").string();
  o.checkpoint_root = (dir_ / "ckpt").string();
  o.verbose = false;
  slurm_ = std::make_unique<SlurmExecutor>(reg_.get(), exec_.get(), &fake_, o);
  Tick();
  EXPECT_EQ(fake_.jobs.size(), 1u);
  fake_.jobs[0].state = "COMPLETED";
  Tick();
  EXPECT_EQ(GetJob()->state, "succeeded");
}

}  // namespace
}  // namespace suanli::exec
