// SlurmClient and SlurmPoolDriver over a scripted CommandRunner: which commands they run, with
// which arguments and environment, and what they make of the answers. The real thing is
// exercised by live_test.cc.
#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "slurm/client.h"
#include "slurm/driver.h"
#include "slurm/parse.h"

namespace suanli::slurm {
namespace {

// Answers each command with the first matching rule; records every call.
class FakeRunner final : public CommandRunner {
 public:
  using Rule = std::function<std::optional<ProcessResult>(const ProcessSpec&)>;

  Result<ProcessResult> Run(const ProcessSpec& spec) override {
    calls.push_back(spec);
    for (auto& rule : rules) {
      if (auto r = rule(spec)) return *r;
    }
    ProcessResult r;
    r.exit_code = 1;
    r.err = "no rule for " + spec.argv[0];
    return r;
  }

  // Answers `program` (whose arguments contain every string in `with`) with out/err/exit.
  void On(std::string program, std::vector<std::string> with, std::string out, int exit_code = 0,
          std::string err = {}) {
    rules.push_back([=](const ProcessSpec& spec) -> std::optional<ProcessResult> {
      if (spec.argv[0] != program) return std::nullopt;
      for (const auto& w : with) {
        bool has = false;
        for (const auto& a : spec.argv) has = has || a == w;
        if (!has) return std::nullopt;
      }
      ProcessResult r;
      r.exit_code = exit_code;
      r.out = out;
      r.err = err;
      return r;
    });
  }

  std::vector<std::string> Programs() const {
    std::vector<std::string> p;
    for (const auto& c : calls) p.push_back(c.argv[0]);
    return p;
  }

  std::deque<Rule> rules;
  std::vector<ProcessSpec> calls;
};

SlurmClientOptions InPartition(std::string partition) {
  SlurmClientOptions o;
  o.partition = std::move(partition);
  return o;
}

bool HasArg(const ProcessSpec& spec, const std::string& arg) {
  return std::find(spec.argv.begin(), spec.argv.end(), arg) != spec.argv.end();
}

std::string EnvValue(const ProcessSpec& spec, const std::string& name) {
  for (const auto& kv : *spec.env) {
    if (kv.rfind(name + "=", 0) == 0) return kv.substr(name.size() + 1);
  }
  return "<unset>";
}

TaskSpec SampleTask() {
  TaskSpec t;
  t.key = {"job-abc", 1, 2};
  t.command = "python train.py --lr 0.1; echo \"$(whoami)\" > /tmp/x";
  t.cpus = 4;
  t.memory_mib = 8192;
  t.gpus = 2;
  t.gpu_type = "h100";
  t.node = "gn12";
  t.time_limit_s = 61;
  t.output_path = "/data/logs/job-abc-1.log";
  t.checkpoint_dir = "/data/ckpt/job-abc/1";
  t.env = {{"WANDB_MODE", "offline"}};
  return t;
}

TEST(SlurmClient, SubmitBuildsArgvAndEnvironmentWithoutAShell) {
  FakeRunner runner;
  runner.On("sbatch", {}, "4711\n");
  SlurmClient client(runner, InPartition("ai"));
  auto id = client.Submit(SampleTask());
  ASSERT_TRUE(id) << id.error().ToString();
  EXPECT_EQ(*id, "4711");
  ASSERT_EQ(runner.calls.size(), 1u);
  const ProcessSpec& s = runner.calls[0];
  for (const char* arg : {"--parsable", "--job-name=suanli-job-abc-1-2", "--nodes=1", "--ntasks=1",
                          "--cpus-per-task=4", "--mem=8192M", "--gres=gpu:h100:2", "--partition=ai",
                          "--nodelist=gn12", "--time=2", "--no-requeue", "--export=ALL",
                          "--output=/data/logs/job-abc-1.log", "--open-mode=append", "--chdir=/"}) {
    EXPECT_TRUE(HasArg(s, arg)) << arg;
  }
  // The command line is nowhere in argv or in the script: only in the environment.
  for (const auto& a : s.argv) EXPECT_EQ(a.find("train.py"), std::string::npos) << a;
  EXPECT_EQ(s.stdin_data.find("train.py"), std::string::npos);
  EXPECT_NE(s.stdin_data.find("exec /bin/sh -c \"$SUANLI_COMMAND\""), std::string::npos);
  ASSERT_TRUE(s.env);
  EXPECT_EQ(EnvValue(s, "SUANLI_COMMAND"), SampleTask().command);
  EXPECT_EQ(EnvValue(s, "SUANLI_RESTART_COUNT"), "2");
  EXPECT_EQ(EnvValue(s, "SUANLI_CHECKPOINT_DIR"), "/data/ckpt/job-abc/1");
  EXPECT_EQ(EnvValue(s, "SUANLI_JOB_ID"), "job-abc");
  EXPECT_EQ(EnvValue(s, "SUANLI_TASK_INDEX"), "1");
  EXPECT_EQ(EnvValue(s, "WANDB_MODE"), "offline");
  EXPECT_NE(EnvValue(s, "PATH"), "<unset>");
}

TEST(SlurmClient, SubmitDoesNotPassTheServersEnvironment) {
  ::setenv("SUANLI_TEST_SECRET_TOKEN", "s3cret", 1);
  FakeRunner runner;
  runner.On("sbatch", {}, "1\n");
  SlurmClient client(runner, {});
  ASSERT_TRUE(client.Submit(SampleTask()));
  EXPECT_EQ(EnvValue(runner.calls[0], "SUANLI_TEST_SECRET_TOKEN"), "<unset>");
  ::unsetenv("SUANLI_TEST_SECRET_TOKEN");
}

TEST(SlurmClient, SubmitRejectsBadFields) {
  FakeRunner runner;
  SlurmClient client(runner, {});
  auto bad = [&](auto mutate) {
    TaskSpec t = SampleTask();
    mutate(t);
    auto r = client.Submit(t);
    return !r && r.error().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](TaskSpec& t) { t.key.job_id = "a b"; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.key.job_id = ""; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.command = ""; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.cpus = 0; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.gpu_type = "h100,mps:1"; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.node = "n[1-100]"; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.env["SBATCH_PARTITION"] = "x"; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.env["SLURM_CONF"] = "/x"; }));
  EXPECT_TRUE(bad([](TaskSpec& t) { t.env["A=B"] = "x"; }));
  EXPECT_TRUE(runner.calls.empty());
}

TEST(SlurmClient, SubmitRefusedByConfigurationIsFailedPrecondition) {
  FakeRunner runner;
  runner.On("sbatch", {}, "", 1,
            "sbatch: error: Batch job submission failed: Requested node configuration is not "
            "available\n");
  SlurmClient client(runner, {});
  auto r = client.Submit(SampleTask());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition);

  FakeRunner down;
  down.On("sbatch", {}, "", 1, "sbatch: error: Batch job submission failed: Unable to contact slurm controller\n");
  SlurmClient client2(down, {});
  r = client2.Submit(SampleTask());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
}

TEST(SlurmClient, PollUsesSqueueThenScontrolThenAccounting) {
  FakeRunner runner;
  runner.On("squeue", {},
            "10|suanli-j-0-0|ai|RUNNING|None|gn1\n"
            "11|suanli-j-1-0|ai|FAILED|NonZeroExitCode|gn1\n");
  runner.On("scontrol", {"11"},
            "JobId=11 JobName=suanli-j-1-0 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 "
            "Partition=ai NodeList=gn1\n");
  runner.On("scontrol", {"12"}, "", 1, "slurm_load_jobs error: Invalid job id specified\n");
  runner.On("scontrol", {"13"}, "", 1, "slurm_load_jobs error: Invalid job id specified\n");
  runner.On("sacct", {"--completion"}, "12|suanli-j-2-0|ai|COMPLETED|0:0|gn1\n");
  runner.On("sacct", {}, "", 1, "Slurm accounting storage is disabled\n");
  SlurmClient client(runner, InPartition("ai"));
  auto r = client.Poll({"10", "11", "12", "13"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->size(), 3u);
  EXPECT_EQ(r->at("10").slurm_state, "RUNNING");
  EXPECT_EQ(r->at("11").exit_code, 3);
  EXPECT_EQ(r->at("12").slurm_state, "COMPLETED");
  EXPECT_EQ(r->at("12").exit_code, 0);
  EXPECT_FALSE(r->count("13"));
  EXPECT_TRUE(HasArg(runner.calls[0], "--states=all"));
  EXPECT_TRUE(HasArg(runner.calls[0], "--me"));
  EXPECT_TRUE(HasArg(runner.calls[0], "--partition=ai"));
  EXPECT_TRUE(HasArg(runner.calls[0], "--format=%i|%j|%P|%T|%r|%N"));

  // Accounting disabled is remembered: the next lookup goes straight to sacct -c.
  runner.calls.clear();
  ASSERT_TRUE(client.Accounting({"12"}));
  EXPECT_EQ(runner.calls.size(), 1u);
  EXPECT_TRUE(HasArg(runner.calls[0], "--completion"));
  EXPECT_TRUE(HasArg(runner.calls[0], "--jobs=12"));
}

TEST(SlurmClient, CancelOfAFinishedJobIsFine) {
  FakeRunner runner;
  runner.On("scancel", {"5"}, "", 1, "scancel: error: Kill job error on job id 5: Job/step already completing or completed\n");
  runner.On("scancel", {"6"}, "", 1, "scancel: error: Kill job error on job id 6: Invalid job id specified\n");
  runner.On("scancel", {"7"}, "", 1, "scancel: error: Unable to contact slurm controller\n");
  SlurmClient client(runner, {});
  EXPECT_TRUE(client.Cancel("5").ok());
  EXPECT_TRUE(client.Cancel("6").ok());
  EXPECT_EQ(client.Cancel("7").code(), StatusCode::kUnavailable);
}

TEST(SlurmClient, ImportNodesFiltersByPartition) {
  FakeRunner runner;
  runner.On("scontrol", {"node"},
            "NodeName=a CPUTot=8 RealMemory=1000 Gres=gpu:a100:2 State=IDLE Partitions=ai\n"
            "NodeName=b CPUTot=8 RealMemory=1000 Gres=(null) State=IDLE Partitions=cpu\n");
  SlurmClient client(runner, {});
  auto nodes = client.ImportNodes("ai");
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ(nodes->front().name, "a");
  EXPECT_EQ(client.ImportNodes()->size(), 2u);
}

// A cluster in memory behind the fake runner: sbatch appends to squeue.
struct FakeCluster {
  FakeRunner runner;
  std::vector<std::string> queue;  // squeue lines
  std::vector<std::string> cancelled;
  std::vector<std::string> accounting;  // sacct lines; empty = accounting disabled
  int next_id = 100;

  FakeCluster() {
    runner.rules.push_back([this](const ProcessSpec& s) -> std::optional<ProcessResult> {
      ProcessResult r;
      r.exit_code = 0;
      if (s.argv[0] == "sbatch") {
        std::string name;
        for (const auto& a : s.argv) {
          if (a.rfind("--job-name=", 0) == 0) name = a.substr(11);
        }
        std::string id = std::to_string(next_id++);
        queue.push_back(id + "|" + name + "|ai|RUNNING|None|n1");
        r.out = id + "\n";
      } else if (s.argv[0] == "squeue") {
        for (const auto& l : queue) r.out += l + "\n";
      } else if (s.argv[0] == "scancel") {
        cancelled.push_back(s.argv[1]);
        for (auto& l : queue) {
          if (l.rfind(s.argv[1] + "|", 0) == 0) l.replace(l.find("RUNNING"), 7, "CANCELLED");
        }
      } else if (s.argv[0] == "scontrol") {
        const std::string& id = s.argv.back();
        for (const auto& l : queue) {
          if (l.rfind(id + "|", 0) != 0) continue;
          auto job = ParseSqueue(l).value().front();
          r.out = "JobId=" + id + " JobName=" + job.name + " JobState=" + job.slurm_state +
                  " Reason=None ExitCode=" + (job.slurm_state == "CANCELLED" ? "0:15" : "0:0") +
                  " Partition=ai NodeList=n1\n";
          return r;
        }
        r.exit_code = 1;
        r.err = "slurm_load_jobs error: Invalid job id specified\n";
      } else if (s.argv[0] == "sacct") {
        if (accounting.empty()) {
          // accounting_storage/none and no job-completion log: knows nothing
          r.exit_code = 1;
          r.err = "Slurm accounting storage is disabled\n";
        }
        for (const auto& l : accounting) r.out += l + "\n";
      }
      return r;
    });
  }
};

TEST(SlurmPoolDriver, StartIsIdempotentAndSurvivesARestart) {
  FakeCluster cluster;
  SlurmClient client(cluster.runner, InPartition("ai"));
  TaskSpec t = SampleTask();
  std::string id;
  {
    SlurmPoolDriver driver(client, {});
    auto a = driver.Start(t);
    ASSERT_TRUE(a) << a.error().ToString();
    auto b = driver.Start(t);
    ASSERT_TRUE(b);
    EXPECT_EQ(*a, *b);
    id = *a;
    auto u = driver.Poll();
    ASSERT_TRUE(u);
    ASSERT_EQ(u->size(), 1u);
    EXPECT_EQ(u->front().state, TaskState::kRunning);
    EXPECT_TRUE(driver.Poll()->empty());  // no change, no update
  }
  // A new server process: a new driver finds the attempt again and does not resubmit it.
  SlurmPoolDriver driver(client, {});
  auto again = driver.Start(t);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, id);
  EXPECT_EQ(cluster.queue.size(), 1u);
  auto u = driver.Poll();
  ASSERT_TRUE(u);
  ASSERT_EQ(u->size(), 1u);
  EXPECT_EQ(u->front().key, t.key);
  EXPECT_EQ(u->front().state, TaskState::kRunning);
}

TEST(SlurmPoolDriver, AnAttemptThatEndedWhileWeWereDownIsNeitherLostNorRerun) {
  FakeCluster cluster;
  // slurmctld has forgotten it (MinJobAge passed); only accounting remembers.
  cluster.accounting = {"50|suanli-job-abc-1-2|ai|FAILED|9:0|n1", "51|wrap|ai|COMPLETED|0:0|n1"};
  SlurmClient client(cluster.runner, InPartition("ai"));
  SlurmPoolDriver driver(client, {});
  auto id = driver.Start(SampleTask());
  ASSERT_TRUE(id) << id.error().ToString();
  EXPECT_EQ(*id, "50");
  EXPECT_TRUE(cluster.queue.empty());  // nothing submitted
  auto u = driver.Poll();
  ASSERT_TRUE(u) << u.error().ToString();
  ASSERT_EQ(u->size(), 1u);
  EXPECT_EQ(u->front().key, SampleTask().key);
  EXPECT_EQ(u->front().state, TaskState::kFailed);
  EXPECT_EQ(u->front().exit_code, 9);
  EXPECT_TRUE(driver.Tracked().empty());  // reported, and Slurm no longer lists it
}

TEST(SlurmPoolDriver, ALaterAttemptCancelsTheEarlierOne) {
  FakeCluster cluster;
  SlurmClient client(cluster.runner, {});
  SlurmPoolDriver driver(client, {});
  TaskSpec t = SampleTask();
  t.key.attempt = 0;
  auto first = driver.Start(t);
  ASSERT_TRUE(first);
  t.key.attempt = 1;
  auto second = driver.Start(t);
  ASSERT_TRUE(second);
  EXPECT_EQ(cluster.cancelled, std::vector<std::string>{*first});
  t.key.attempt = 0;
  auto stale = driver.Start(t);  // known: the same id back, nothing submitted
  ASSERT_TRUE(stale);
  EXPECT_EQ(*stale, *first);
  auto updates = driver.Poll();
  ASSERT_TRUE(updates);
  ASSERT_EQ(updates->size(), 2u);
  EXPECT_EQ((*updates)[0].key.attempt, 0);
  EXPECT_EQ((*updates)[0].state, TaskState::kCancelled);
  EXPECT_EQ((*updates)[0].exit_code, 128 + 15);
  EXPECT_EQ((*updates)[1].state, TaskState::kRunning);
}

TEST(SlurmPoolDriver, DuplicateLiveJobsForOneAttemptAreCutToOne) {
  FakeCluster cluster;
  cluster.queue = {"7|suanli-job-abc-1-2|ai|RUNNING|None|n1", "9|suanli-job-abc-1-2|ai|RUNNING|None|n1"};
  SlurmClient client(cluster.runner, {});
  SlurmPoolDriver driver(client, {});
  ASSERT_TRUE(driver.Reconcile().ok());
  EXPECT_EQ(driver.SlurmJobId({"job-abc", 1, 2}), "7");
  EXPECT_EQ(cluster.cancelled, std::vector<std::string>{"9"});
}

TEST(SlurmPoolDriver, AJobThatVanishesIsReportedFailedAfterSomePolls) {
  FakeCluster cluster;
  SlurmClient client(cluster.runner, {});
  SlurmPoolOptions lost_fast;
  lost_fast.lost_after_polls = 2;
  SlurmPoolDriver driver(client, lost_fast);
  ASSERT_TRUE(driver.Start(SampleTask()));
  ASSERT_EQ(driver.Poll()->size(), 1u);
  cluster.queue.clear();
  EXPECT_TRUE(driver.Poll()->empty());
  auto u = driver.Poll();
  ASSERT_TRUE(u);
  ASSERT_EQ(u->size(), 1u);
  EXPECT_EQ(u->front().state, TaskState::kFailed);
  EXPECT_EQ(u->front().exit_code, -1);
  EXPECT_TRUE(driver.Poll()->empty());
  EXPECT_TRUE(driver.Tracked().empty());
}

TEST(SlurmPoolDriver, InventoryMapsGresTypesToCatalogModels) {
  FakeRunner runner;
  runner.On("scontrol", {"node"},
            "NodeName=a CPUTot=8 CPUAlloc=2 RealMemory=1000 AllocMem=10 Gres=gpu:h100:2,gpu:x:1 "
            "State=MIXED+DRAIN Partitions=ai AllocTRES=cpu=2,gres/gpu=1 Reason=fan\n");
  SlurmClient client(runner, InPartition("ai"));
  SlurmPoolOptions models;
  models.gpu_models = {{"h100", "nvidia-h100-sxm"}};
  SlurmPoolDriver driver(client, models);
  auto nodes = driver.SyncInventory();
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  ASSERT_EQ(nodes->size(), 1u);
  const PoolNode& n = nodes->front();
  EXPECT_EQ(n.cpu_cores, 8);
  EXPECT_EQ(n.memory_mib, 1000);
  ASSERT_EQ(n.accelerators.size(), 2u);
  EXPECT_EQ(n.accelerators[0].model, "nvidia-h100-sxm");
  EXPECT_EQ(n.accelerators[0].count, 2);
  EXPECT_EQ(n.accelerators[1].model, "x");
  EXPECT_EQ(n.state, "draining");
  EXPECT_EQ(n.state_reason, "MIXED+DRAIN: fan");
  EXPECT_EQ(n.cpu_cores_allocated, 2);
  EXPECT_EQ(n.accelerators_allocated, 1);
}

}  // namespace
}  // namespace suanli::slurm
