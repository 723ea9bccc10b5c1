// The health poller: Xid lines from the kernel log, vendor tool health through an injected
// runner (sample outputs), one report per device, and a hung tool that must not hang the agent.
#include "agent/health_poller.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/test_samples.h"

namespace suanli::agent {
namespace {

namespace fs = std::filesystem;

// Answers every tool call with the current content of `*out`.
ToolRunner Answer(const std::string* out, std::vector<std::vector<std::string>>* calls = nullptr) {
  return [out, calls](const std::vector<std::string>& argv, int) {
    if (calls) calls->push_back(argv);
    ToolResult r;
    r.started = true;
    r.exit_code = 0;
    r.out = *out;
    return r;
  };
}

class HealthPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("suanli-health-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    kmsg_ = (dir_ / "kmsg").string();
    std::ofstream(kmsg_).close();
    o_.kmsg = kmsg_;
    gpus_ = ParseNvidiaSmiList(Sample("nvidia-smi-inventory.csv"));
  }
  void TearDown() override { fs::remove_all(dir_); }
  void AppendKmsg(const std::string& text) { std::ofstream(kmsg_, std::ios::app) << text; }
  std::string Script(const std::string& name, const std::string& body) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
  }
  const VendorTool& Nvidia() { return *FindVendorTool("nvidia-smi"); }

  fs::path dir_;
  std::string kmsg_;
  HealthOptions o_;
  std::vector<DeviceStatus> gpus_;
};

TEST(XidTest, ParsesKmsgRecordsAndDmesgLines) {
  auto e = ParseXidLine(
      "4,1203,9412877,-;NVRM: Xid (PCI:0000:5d:00): 48, pid=51102, name=torchrun, An uncorrectable "
      "double bit error (DBE) has been detected on GPU in the framebuffer at partition 6.");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->bus_id, "0000:5d:00");
  EXPECT_EQ(e->xid, 48);
  EXPECT_EQ(e->text.rfind("An uncorrectable double bit error", 0), 0u) << e->text;
  e = ParseXidLine("[ 8112.404519] NVRM: Xid (PCI:0000:3a:00): 79, pid='<unknown>', name=<unknown>, "
                   "GPU has fallen off the bus.");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->bus_id, "0000:3a:00");
  EXPECT_EQ(e->xid, 79);
  EXPECT_EQ(e->text, "GPU has fallen off the bus.");
  EXPECT_FALSE(ParseXidLine("[ 8112.404512] NVRM: GPU at PCI:0000:3a:00: GPU-5b2c4f36"));
  EXPECT_FALSE(ParseXidLine("NVRM: Xid (PCI:zz): 79, x"));
  EXPECT_TRUE(IsCriticalXid(79));
  EXPECT_TRUE(IsCriticalXid(48));
  EXPECT_TRUE(IsCriticalXid(94));
  EXPECT_FALSE(IsCriticalXid(13));  // an application's illegal address
  EXPECT_FALSE(IsCriticalXid(31));
}

TEST_F(HealthPollerTest, CriticalXidsAreMappedToDevicesAndReportedOnce) {
  const std::string healthy = Sample("nvidia-smi-health-ok.csv");
  std::vector<std::vector<std::string>> calls;
  AppendKmsg(Sample("kmsg-xid.txt"));
  HealthPoller p(Nvidia(), "nvidia-smi", gpus_, o_, Answer(&healthy, &calls));
  auto faults = p.PollOnce();
  // Xid 13 (device 0) is the application's; 79 on 3a:00 is device 2; 48 then 63 on 5d:00 is
  // device 3, once; ff:00 is no GPU of this node.
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0].device, 2);
  EXPECT_EQ(faults[0].kind, "xid");
  EXPECT_EQ(faults[0].detail.rfind("Xid 79: GPU has fallen off the bus", 0), 0u) << faults[0].detail;
  EXPECT_EQ(faults[1].device, 3);
  EXPECT_EQ(faults[1].detail.rfind("Xid 48: double-bit ECC error", 0), 0u) << faults[1].detail;
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0][1],
            "--query-gpu=index,pci.bus_id,ecc.errors.uncorrected.volatile.total,retired_pages.pending");

  EXPECT_TRUE(p.PollOnce().empty());  // nothing new
  AppendKmsg("4,1300,9900000,-;NVRM: Xid (PCI:0000:3a:00): 94, pid=1, name=x, Contained ECC error.\n");
  AppendKmsg("4,1301,9900100,-;NVRM: Xid (PCI:0000:18:00): 94, pid=1, name=x, Contained ECC error.\n");
  faults = p.PollOnce();
  ASSERT_EQ(faults.size(), 1u);  // device 2 was reported already
  EXPECT_EQ(faults[0].device, 0);
  EXPECT_EQ(faults[0].detail.rfind("Xid 94", 0), 0u);
}

TEST_F(HealthPollerTest, AHealthyMachineReportsNothing) {
  const std::string healthy = Sample("nvidia-smi-health-ok.csv");
  AppendKmsg("6,1021,5120345,-;nvidia-nvlink: Nvlink Core is being initialized\n");
  HealthPoller p(Nvidia(), "nvidia-smi", gpus_, o_, Answer(&healthy));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(p.PollOnce().empty());
}

TEST_F(HealthPollerTest, ToolFaultsAndVanishedDevicesAreReportedOnce) {
  std::string out = Sample("nvidia-smi-health-faulty.csv");
  HealthPoller p(Nvidia(), "nvidia-smi", gpus_, o_, Answer(&out));
  auto faults = p.PollOnce();
  std::vector<std::pair<int, std::string>> got;
  for (const auto& f : faults) got.push_back({f.device, f.kind});
  EXPECT_EQ(got, (std::vector<std::pair<int, std::string>>{
                     {2, "ecc"}, {4, "ecc"}, {5, "lost"}, {6, "health"}, {7, "lost"}}));
  EXPECT_TRUE(p.PollOnce().empty());
  out = Sample("nvidia-smi-health-ok.csv");  // recovered in the tool's eyes: still reported once
  EXPECT_TRUE(p.PollOnce().empty());
}

TEST_F(HealthPollerTest, AscendHealthComesFromNpuSmi) {
  const std::string out = Sample("npu-smi-info-910b.txt");
  auto devices = ParseNpuSmi(out);
  AppendKmsg(Sample("kmsg-xid.txt"));  // not read for Ascend
  HealthPoller p(*FindVendorTool("npu-smi"), "https://gh.072103.xyz/usr/local/sbin/npu-smi", devices, o_, Answer(&out));
  auto faults = p.PollOnce();
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].device, 5);
  EXPECT_EQ(faults[0].kind, "health");
  EXPECT_EQ(faults[0].detail, "npu-smi health Alarm");
}

TEST_F(HealthPollerTest, AFailingToolIsNotTakenForLostDevices) {
  std::vector<std::string> logs;
  auto fail = [](const std::vector<std::string>&, int) {
    ToolResult r;
    r.started = true;
    r.exit_code = 15;
    return r;
  };
  HealthPoller p(Nvidia(), "nvidia-smi", gpus_, o_, fail, [&](const std::string& m) { logs.push_back(m); });
  EXPECT_TRUE(p.PollOnce().empty());
  EXPECT_TRUE(p.PollOnce().empty());
  ASSERT_EQ(logs.size(), 1u);  // logged when it starts failing, not every round
  EXPECT_NE(logs[0].find("exited with 15"), std::string::npos);
}

TEST_F(HealthPollerTest, AHungToolIsKilledAtItsDeadline) {
  const std::string hung = Script("hung-smi", "echo partial; sleep 30");
  const auto start = std::chrono::steady_clock::now();
  ToolResult r = RunTool({hung}, 300);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(ms, 3000);

  std::vector<std::string> logs;
  o_.tool_timeout_ms = 300;
  HealthPoller p(Nvidia(), hung, gpus_, o_, RunTool, [&](const std::string& m) { logs.push_back(m); });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(p.PollOnce().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("did not answer within 300 ms"), std::string::npos);
}

TEST_F(HealthPollerTest, RealToolRunsAndMissingToolsAreNotStarted) {
  ToolResult r = RunTool({Script("ok-smi", "echo \"0, 00000000:18:00.0, 2, No\"; exit 0")}, 5000);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "0, 00000000:18:00.0, 2, No\n");
  r = RunTool({Script("bad-smi", "exit 9")}, 5000);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 9);
  r = RunTool({"suanli-no-such-vendor-tool"}, 5000);
  EXPECT_FALSE(r.started);
}

TEST_F(HealthPollerTest, ThePollingThreadHandsOverWhatItFinds) {
  // The real runner on a script that prints faulty health, polled every 50 ms.
  const std::string smi =
      Script("nvidia-smi", "cat '" + std::string(SUANLI_AGENT_TESTDATA) + "/nvidia-smi-health-faulty.csv'");
  o_.interval_ms = 50;
  auto p = std::make_unique<HealthPoller>(Nvidia(), smi, gpus_, o_, RunTool);
  p->Start();
  std::vector<exec::DeviceFault> faults;
  for (int i = 0; i < 200 && faults.size() < 5; ++i) {
    for (auto& f : p->Take()) faults.push_back(f);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // more rounds: no repeats
  for (auto& f : p->Take()) faults.push_back(f);
  EXPECT_EQ(faults.size(), 5u);
  const auto t0 = std::chrono::steady_clock::now();
  p.reset();  // stops the thread without waiting for the interval
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

}  // namespace
}  // namespace suanli::agent
