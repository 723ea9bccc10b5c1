// Slurm pools end to end: a real `suanli serve`, a pool with driver slurm on the partition of the
// real single-node Slurm that scripts/slurm.sh starts, and jobs submitted through the API that
// run as Slurm batch jobs. Skips unless SUANLI_TEST_SLURM=1 (scripts/test.sh starts Slurm and
// sets it); by hand:
//
//   scripts/slurm.sh start && SUANLI_TEST_SLURM=1 build/tests/slurm_pool_test
//
// SUANLI_TEST_SLURM_PARTITION names another partition (default "suanli", the script's).
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "api/api_fixture.h"

namespace suanli::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Our Slurm jobs whose name contains `marker`, as "name|STATE" lines (squeue keeps finished
// jobs for MinJobAge).
std::vector<std::string> SlurmJobs(const std::string& marker) {
  std::vector<std::string> out;
  FILE* f = ::popen("squeue --me --noheader --states=all --format='%j|%T' 2>/dev/null", "r");
  if (!f) return out;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (s.find(marker) != std::string::npos) out.push_back(s);
  }
  ::pclose(f);
  return out;
}

int CountLive(const std::vector<std::string>& jobs) {
  int n = 0;
  for (const auto& j : jobs)
    if (j.find("|RUNNING") != std::string::npos || j.find("|PENDING") != std::string::npos ||
        j.find("|COMPLETING") != std::string::npos)
      ++n;
  return n;
}

class SlurmPoolTest : public ServerTest {
 protected:
  void SetUp() override {
    if (Env("SUANLI_TEST_SLURM", "") != "1")
      GTEST_SKIP() << "no Slurm to test against: run scripts/slurm.sh start and set "
                      "SUANLI_TEST_SLURM=1 (scripts/test.sh does both)";
    ServerTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    StartServer();
    BuildWorld();
    ApiClient sup = Client(w_.sup_a);
    Reply site = sup.Post("/api/v1/sites", SiteBody("slurm-site"));
    ASSERT_EQ(site.status, 201u) << site;
    Reply pool = sup.Post("/api/v1/pools", {{"site_id", site.body["id"]},
                                             {"name", "hpc"},
                                             {"kind", "hpc"},
                                             {"driver", "slurm"},
                                             {"slurm_partition", Env("SUANLI_TEST_SLURM_PARTITION", "suanli")}});
    ASSERT_EQ(pool.status, 201u) << pool;
    pool_id_ = pool.body["id"];
    // The running server picks the new pool up and imports the partition's nodes.
    node_ = Json();
    WaitFor([&]() -> std::string {
      Reply nodes = Client(w_.sup_a).Get("/api/v1/nodes?pool_id=" + pool_id_);
      if (nodes.status != 200 || nodes.body["items"].empty()) return "";
      node_ = nodes.body["items"][0];
      return "yes";
    });
    ASSERT_TRUE(node_.is_object()) << "the partition's nodes were never imported";
  }
  void TearDown() override {
    // Nothing of this test may keep running in the shared cluster.
    if (!pool_id_.empty()) {
      for (const auto& j : SlurmJobs(pool_id_)) {
        if (CountLive({j}) == 0) continue;
        const std::string name = j.substr(0, j.find('|'));
        [[maybe_unused]] int rc = std::system(("scancel --me --name=" + name + " >/dev/null 2>&1").c_str());
      }
    }
    if (server_ && (HasFailure() || Env("SUANLI_TEST_VERBOSE", "") == "1")) {
      std::ifstream in(tmp_->path() + "/server.log");
      std::cerr << "--- server log ---\n" << in.rdbuf() << "--- end ---\n";
    }
    ServerTest::TearDown();
  }

  template <class Fn>
  std::string WaitFor(Fn fn, int seconds = 90) {
    auto end = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < end) {
      std::string v = fn();
      if (!v.empty()) return v;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return "";
  }
  Json Job(const std::string& id) { return Client(w_.buy_a).Get("/api/v1/jobs/" + id).body; }
  bool WaitState(const std::string& id, const std::string& state, int attempt = -1,
                 int seconds = 90) {
    return !WaitFor([&]() -> std::string {
              Json j = Job(id);
              if (j.value("state", "") != state) return "";
              if (attempt >= 0 && j.value("restart_count", -1) != attempt) return "";
              return "yes";
            }, seconds)
                .empty();
  }
  std::string Submit(Json body) {
    Reply r = Client(w_.buy_a).Post("/api/v1/jobs", body);
    EXPECT_EQ(r.status, 201u) << r;
    return r.body.value("id", "");
  }
  std::string Logs(const std::string& id, int attempt = -1) {
    std::string q = "/api/v1/jobs/" + id + "/logs?limit=100000";
    if (attempt >= 0) q += "&attempt=" + std::to_string(attempt);
    Reply r = Client(w_.buy_a).Get(q);
    EXPECT_EQ(r.status, 200u) << r;
    return r.body.value("data", "");
  }
  // Waits until the job's output contains `text`.
  bool WaitLogs(const std::string& id, const std::string& text, int attempt = -1) {
    return !WaitFor([&] { return Logs(id, attempt).find(text) != std::string::npos ? "y" : ""; })
                .empty();
  }

  std::string pool_id_;
  Json node_;
};

TEST_P(SlurmPoolTest, ThePartitionsNodesAppearWithTheirGpus) {
  EXPECT_EQ(node_["name"], Env("SUANLI_SLURM_NODE", "suanli-n0"));
  EXPECT_EQ(node_["executor"], "slurm");
  EXPECT_EQ(node_["state"], "ready");
  EXPECT_EQ(node_["org_id"], w_.sup_a.org_id);
  EXPECT_GE(node_.value("cpu_cores", 0), 1);
  EXPECT_GE(node_.value("memory_gib", 0), 1);
  ASSERT_EQ(node_["accelerators"].size(), 1u) << node_.dump();
  EXPECT_EQ(node_["accelerators"][0]["model"], kGpuModel);
  EXPECT_EQ(node_["accelerators"][0]["count"], std::stoi(Env("SUANLI_SLURM_GPUS", "4")));
  // A buyer does not see the supplier's machines.
  EXPECT_TRUE(Client(w_.buy_a).Get("/api/v1/nodes?pool_id=" + pool_id_).body["items"].empty());
}

TEST_P(SlurmPoolTest, AJobRunsUnderSlurmAndItsOutputShows) {
  const std::string id = Submit(
      {{"name", "hello"},
       {"cpu_cores", 1},
       {"memory_gib", 1},
       {"accelerators", {{"count", 2}}},
       {"commands",
        {{"CUDA", "echo hello attempt=$SUANLI_RESTART_COUNT task=$SUANLI_TASK_INDEX "
                  "gpus=$CUDA_VISIBLE_DEVICES; echo ckpt=$SUANLI_CHECKPOINT_DIR; "
                  "test -d \"$SUANLI_CHECKPOINT_DIR\" && echo ckpt-exists; echo to-stderr >&2"}}}});
  ASSERT_TRUE(WaitState(id, "succeeded")) << Job(id).dump();
  Json j = Job(id);
  EXPECT_EQ(j["placement"][0]["node_id"], node_["id"]);
  EXPECT_EQ(j["placement"][0]["state"], "succeeded");
  EXPECT_EQ(j["restart_count"], 0);
  ASSERT_TRUE(WaitLogs(id, "to-stderr")) << Logs(id);
  const std::string out = Logs(id);
  EXPECT_NE(out.find("hello attempt=0 task=0 gpus=0,1"), std::string::npos) << out;
  EXPECT_NE(out.find("ckpt=/"), std::string::npos) << out;
  EXPECT_NE(out.find("ckpt-exists"), std::string::npos) << out;
  // It ran as exactly one Slurm job, named after the pool, the job, the task and the attempt.
  auto jobs = SlurmJobs(id);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0], "suanli-" + pool_id_ + "-" + id + "-0-0|COMPLETED");
}

TEST_P(SlurmPoolTest, AFailingCommandIsRequeuedUntilItsRestartsAreUsedUp) {
  const std::string id = Submit({{"name", "bad"},
                                 {"cpu_cores", 1},
                                 {"memory_gib", 1},
                                 {"max_restarts", 1},
                                 {"commands", {{"CPU", "echo try=$SUANLI_RESTART_COUNT; exit 7"}}}});
  ASSERT_TRUE(WaitState(id, "failed", 1)) << Job(id).dump();
  EXPECT_NE(Job(id).value("state_reason", "").find("exited with code 7"), std::string::npos)
      << Job(id).dump();
  EXPECT_TRUE(WaitLogs(id, "try=0", 0)) << Logs(id, 0);
  EXPECT_TRUE(WaitLogs(id, "try=1", 1)) << Logs(id, 1);
  EXPECT_EQ(SlurmJobs(id).size(), 2u);  // one Slurm job per attempt
}

TEST_P(SlurmPoolTest, CancelScancelsTheSlurmJob) {
  const std::string id = Submit({{"name", "sleeper"},
                                 {"cpu_cores", 1},
                                 {"memory_gib", 1},
                                 {"commands", {{"CPU", "echo sleeping; sleep 3191"}}}});
  ASSERT_TRUE(WaitState(id, "running")) << Job(id).dump();
  EXPECT_EQ(CountLive(SlurmJobs(id)), 1);
  ASSERT_TRUE(WaitLogs(id, "sleeping")) << Logs(id);
  Reply c = Client(w_.buy_a).Post("/api/v1/jobs/" + id + "/cancel", Json::object());
  ASSERT_EQ(c.status, 200u) << c;
  EXPECT_FALSE(WaitFor([&] { return CountLive(SlurmJobs(id)) == 0 ? "gone" : ""; }, 30).empty())
      << "the Slurm job survived the cancel";
  auto jobs = SlurmJobs(id);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_NE(jobs[0].find("|CANCELLED"), std::string::npos) << jobs[0];
  EXPECT_EQ(Job(id)["state"], "cancelled");
}

TEST_P(SlurmPoolTest, AServerRestartNeitherLosesNorDuplicatesATask) {
  const std::string id = Submit({{"name", "steady"},
                                 {"cpu_cores", 1},
                                 {"memory_gib", 1},
                                 {"commands", {{"CPU", "echo begin; sleep 8; echo end"}}}});
  ASSERT_TRUE(WaitState(id, "running")) << Job(id).dump();
  server_->Kill();  // kill -9: the Slurm job runs on
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(WaitState(id, "succeeded")) << Job(id).dump();
  EXPECT_EQ(Job(id)["restart_count"], 0);
  ASSERT_TRUE(WaitLogs(id, "end")) << Logs(id);
  const std::string out = Logs(id);
  const size_t first = out.find("begin");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find("begin", first + 1), std::string::npos) << "ran twice: " << out;
  EXPECT_EQ(SlurmJobs(id).size(), 1u) << "submitted twice";
}

TEST_P(SlurmPoolTest, AJobThatEndsWhileTheServerIsDownIsReportedAfterTheRestart) {
  const std::string id = Submit({{"name", "quick"},
                                 {"cpu_cores", 1},
                                 {"memory_gib", 1},
                                 {"max_restarts", 0},
                                 {"commands", {{"CPU", "echo started; sleep 2; exit 3"}}}});
  ASSERT_TRUE(WaitState(id, "running")) << Job(id).dump();
  ASSERT_TRUE(server_->Stop().ok());
  std::this_thread::sleep_for(std::chrono::seconds(4));  // it ends while nobody watches
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(WaitState(id, "failed", 0)) << Job(id).dump();
  EXPECT_NE(Job(id).value("state_reason", "").find("exited with code 3"), std::string::npos)
      << Job(id).dump();
  EXPECT_TRUE(WaitLogs(id, "started")) << Logs(id);
  EXPECT_EQ(SlurmJobs(id).size(), 1u);
}

SUANLI_INSTANTIATE_FOR_STORE(SlurmPoolTest);

}  // namespace
}  // namespace suanli::testing
