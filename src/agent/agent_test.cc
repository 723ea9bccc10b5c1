// The agent's pieces against real processes: a task runs under /bin/sh with the right
// environment, its exit code is recorded by the shim, a kill takes the whole process tree.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/inventory.h"
#include "agent/task_runner.h"

namespace suanli::agent {
namespace {

namespace fs = std::filesystem;

class TaskRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("suanli-agent-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    opts_ = {dir_.string(), (dir_ / "ckpt").string(), /*use_cgroups=*/false};
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::optional<int> WaitExit(const exec::TaskKey& k, int ms = 10000) {
    TaskPaths p = TaskPaths::For(dir_.string(), k);
    for (int i = 0; i < ms / 10; ++i) {
      if (auto c = ReadExitCode(p)) return c;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
  LaunchOptions opts_;
};

TEST_F(TaskRunnerTest, RunsTheCommandWithItsEnvironmentAndRecordsTheExitCode) {
  exec::Assignment a;
  a.key = {"job-t1", 1, 2};
  a.command = "echo task=$SUANLI_TASK_INDEX restart=$SUANLI_RESTART_COUNT; "
              "echo devices=$CUDA_VISIBLE_DEVICES; echo ckpt=$SUANLI_CHECKPOINT_DIR; "
              "echo oops >&2; pwd; exit 3";
  a.ecosystem = "CUDA";
  a.devices = {1, 2};
  a.env = {{"SUANLI_TASK_INDEX", "1"}, {"SUANLI_RESTART_COUNT", "2"}};
  auto pid = Launch(a, opts_);
  ASSERT_TRUE(pid) << pid.error().ToString();
  auto code = WaitExit(a.key);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 3);
  const std::string out = Slurp(TaskPaths::For(dir_.string(), a.key).output);
  const std::string ckpt = (dir_ / "ckpt" / "job-t1" / "1").string();
  EXPECT_NE(out.find("task=1 restart=2"), std::string::npos) << out;
  EXPECT_NE(out.find("devices=1,2"), std::string::npos) << out;
  EXPECT_NE(out.find("ckpt=" + ckpt), std::string::npos) << out;
  EXPECT_NE(out.find("oops"), std::string::npos) << out;  // stderr too
  EXPECT_NE(out.find("\n" + ckpt + "\n"), std::string::npos) << out;  // runs in its checkpoint dir
  EXPECT_TRUE(fs::is_directory(ckpt));
  for (int i = 0; i < 100 && Alive(*pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(Alive(*pid));
}

TEST_F(TaskRunnerTest, AscendTasksSeeTheirDevicesThroughTheirOwnVariable) {
  exec::Assignment a;
  a.key = {"job-t2", 0, 0};
  a.command = "echo ascend=$ASCEND_RT_VISIBLE_DEVICES cuda=${CUDA_VISIBLE_DEVICES:-none}";
  a.ecosystem = "CANN";
  a.devices = {4, 5, 6, 7};
  ASSERT_TRUE(Launch(a, opts_));
  ASSERT_EQ(WaitExit(a.key), 0);
  const std::string out = Slurp(TaskPaths::For(dir_.string(), a.key).output);
  EXPECT_NE(out.find("ascend=4,5,6,7 cuda=none"), std::string::npos) << out;
}

TEST_F(TaskRunnerTest, SignallingTheGroupKillsTheWholeTree) {
  exec::Assignment a;
  a.key = {"job-t3", 0, 0};
  a.command = "sleep 300 & echo child=$!; sleep 300; wait";
  auto pid = Launch(a, opts_);
  ASSERT_TRUE(pid);
  const std::string out_path = TaskPaths::For(dir_.string(), a.key).output;
  pid_t child = 0;
  for (int i = 0; i < 500 && child == 0; ++i) {
    std::string out = Slurp(out_path);
    auto at = out.find("child=");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos)
      child = std::stoi(out.substr(at + 6));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(child, 0);
  EXPECT_TRUE(GroupAlive(*pid));
  SignalGroup(*pid, SIGTERM);
  auto code = WaitExit(a.key);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 128 + SIGTERM);  // the shim survived the TERM to record it
  for (int i = 0; i < 200 && ::kill(child, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(::kill(child, 0), 0) << "the background child survived";
}

TEST_F(TaskRunnerTest, MemoryLimitIsEnforcedWithoutCgroups) {
  exec::Assignment a;
  a.key = {"job-t4", 0, 0};
  a.memory_gib = 1;
  // Asking for 2 GiB under a 1 GiB address-space limit fails inside the task.
  a.command = "python3 -c 'b = bytearray(2 << 30)' 2>/dev/null && echo allocated || echo refused";
  ASSERT_TRUE(Launch(a, opts_));
  ASSERT_EQ(WaitExit(a.key, 30000), 0);
  const std::string out = Slurp(TaskPaths::For(dir_.string(), a.key).output);
  EXPECT_NE(out.find("refused"), std::string::npos) << out;
}

TEST(InventoryTest, SimulatedDevicesParse) {
  auto d = ParseSimulatedDevices("8xH100, 2xAscend910B");
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].model, "H100");
  EXPECT_EQ((*d)[0].count, 8);
  EXPECT_EQ((*d)[1].model, "Ascend910B");
  EXPECT_FALSE(ParseSimulatedDevices("H100"));
  EXPECT_FALSE(ParseSimulatedDevices("0xH100"));
  EXPECT_FALSE(ParseSimulatedDevices("8x"));
}

TEST(InventoryTest, DetectsThisMachine) {
  InventoryOptions o;
  o.simulate_devices = "4xT4";
  auto inv = DetectInventory(o);
  ASSERT_TRUE(inv);
  EXPECT_GE(inv->cpu_cores, 1);
  EXPECT_GE(inv->memory_gib, 1);
  EXPECT_FALSE(inv->name.empty());
  ASSERT_EQ(inv->accelerators.size(), 1u);
  EXPECT_EQ(inv->accelerators[0].count, 4);
}

}  // namespace
}  // namespace suanli::agent
