// The parsers on output captured from Slurm 22.05.8 (Debian 12) started by scripts/slurm.sh.
#include "slurm/parse.h"

#include <gtest/gtest.h>

namespace suanli::slurm {
namespace {

// `scontrol --oneliner --details show node`, one idle node with 4 fake GPUs.
constexpr std::string_view kNodeIdle =
    "NodeName=suanli-n0 Arch=x86_64 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=2 CPUTot=2 CPULoad=1.56 "
    "AvailableFeatures=(null) ActiveFeatures=(null) Gres=gpu:h100:4 NodeAddr=127.0.0.1 "
    "NodeHostName=localhost Version=22.05.8 OS=Linux 6.18.44-fc-v1045 #1 SMP PREEMPT_DYNAMIC @0  "
    "RealMemory=21694 AllocMem=0 FreeMem=21909 Sockets=2 Boards=1 State=IDLE ThreadsPerCore=1 "
    "TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=suanli  BootTime=2026-12-01T13:17:00 "
    "SlurmdStartTime=2026-12-01T14:03:06 LastBusyTime=2026-12-01T14:03:07 "
    "CfgTRES=cpu=2,mem=21694M,billing=2 AllocTRES= CapWatts=n/a CurrentWatts=0 AveWatts=0 "
    "ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s GresDrain=N/A "
    "GresUsed=gpu:h100:0(IDX:N/A) \n";

// A drained node with a reason that itself contains "x=1", and a busy node of another site
// (two GPU types, socket affinity, gres/gpu in AllocTRES).
constexpr std::string_view kNodesMixed =
    "NodeName=suanli-n0 Arch=x86_64 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=2 CPUTot=2 "
    "Gres=gpu:h100:4 RealMemory=21694 AllocMem=0 State=IDLE+DRAIN Partitions=suanli "
    "CfgTRES=cpu=2,mem=21694M,billing=2 AllocTRES= GresUsed=gpu:h100:3(IDX:0-2) "
    "Reason=test drain x=1 [root@2026-12-01T14:04:55]\n"
    "NodeName=gn12 CPUAlloc=96 CPUTot=128 Gres=gpu:a100:4(S:0),gpu:v100:2(S:1) RealMemory=1031000 "
    "AllocMem=512000 State=MIXED Partitions=ai,debug "
    "AllocTRES=cpu=96,mem=500G,gres/gpu=5,gres/gpu:a100=4,gres/gpu:v100=1\n"
    "NodeName=gn13 CPUTot=128 Gres=(null) RealMemory=1000 State=DOWN+NOT_RESPONDING "
    "Partitions=ai Reason=Not responding [slurm@2026-12-01T10:00:00]\n";

TEST(ParseKeyValues, ValuesWithSpacesEqualsAndOddKeys) {
  auto kv = ParseKeyValues(
      "JobId=2 JobName=suanli-job-ab12-1-1 AllocNode:Sid=localhost:5159 CPUs/Task=1 "
      "TRES=cpu=1,mem=100M,node=1 OS=Linux 6.1 #1 SMP Power= ");
  EXPECT_EQ(kv["JobId"], "2");
  EXPECT_EQ(kv["AllocNode:Sid"], "localhost:5159");
  EXPECT_EQ(kv["CPUs/Task"], "1");
  EXPECT_EQ(kv["TRES"], "cpu=1,mem=100M,node=1");
  EXPECT_EQ(kv["OS"], "Linux 6.1 #1 SMP");
  EXPECT_EQ(kv["Power"], "");
}

TEST(ParseGpuGres, Forms) {
  EXPECT_EQ(ParseGpuGres("gpu:h100:4"), (std::vector<GpuGres>{{"h100", 4}}));
  EXPECT_EQ(ParseGpuGres("gpu:a100:4(S:0),gpu:v100:2(S:0,1)"),
            (std::vector<GpuGres>{{"a100", 4}, {"v100", 2}}));
  EXPECT_EQ(ParseGpuGres("gpu:8,mps:400"), (std::vector<GpuGres>{{"", 8}}));
  EXPECT_TRUE(ParseGpuGres("(null)").empty());
  EXPECT_TRUE(ParseGpuGres("").empty());
  EXPECT_TRUE(ParseGpuGres("mps:100").empty());
}

TEST(GpuCountFromTres, ReadsGresGpu) {
  EXPECT_EQ(GpuCountFromTres("cpu=96,mem=500G,gres/gpu=5,gres/gpu:a100=4"), 5);
  EXPECT_EQ(GpuCountFromTres(""), 0);
  EXPECT_EQ(GpuCountFromTres("cpu=1"), 0);
}

TEST(ParseNodes, IdleNodeWithFakeGpus) {
  auto nodes = ParseNodes(kNodeIdle);
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  ASSERT_EQ(nodes->size(), 1u);
  const auto& n = nodes->front();
  EXPECT_EQ(n.name, "suanli-n0");
  EXPECT_EQ(n.cpus, 2);
  EXPECT_EQ(n.memory_mib, 21694);
  EXPECT_EQ(n.gpus, (std::vector<GpuGres>{{"h100", 4}}));
  EXPECT_EQ(n.TotalGpus(), 4);
  EXPECT_EQ(n.partitions, std::vector<std::string>{"suanli"});
  EXPECT_EQ(n.slurm_state, "IDLE");
  EXPECT_EQ(n.state, "ready");
  EXPECT_EQ(n.reason, "");
  EXPECT_EQ(n.gpus_allocated, 0);
}

TEST(ParseNodes, DrainedBusyAndDownNodes) {
  auto nodes = ParseNodes(kNodesMixed);
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  ASSERT_EQ(nodes->size(), 3u);
  EXPECT_EQ((*nodes)[0].state, "cordoned");
  EXPECT_EQ((*nodes)[0].gpus_allocated, 3);  // from GresUsed (no gres/gpu TRES without slurmdbd)
  EXPECT_EQ((*nodes)[0].reason, "test drain x=1 [root@2026-12-01T14:04:55]");
  const auto& busy = (*nodes)[1];
  EXPECT_EQ(busy.state, "ready");
  EXPECT_EQ(busy.cpus_allocated, 96);
  EXPECT_EQ(busy.memory_allocated_mib, 512000);
  EXPECT_EQ(busy.gpus_allocated, 5);
  EXPECT_EQ(busy.TotalGpus(), 6);
  EXPECT_EQ(busy.partitions, (std::vector<std::string>{"ai", "debug"}));
  EXPECT_EQ((*nodes)[2].state, "down");
  EXPECT_TRUE((*nodes)[2].gpus.empty());
}

TEST(ParseNodes, LineWithoutNodeNameIsAnError) {
  EXPECT_FALSE(ParseNodes("Foo=bar\n"));
  auto none = ParseNodes("\n");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(MapNodeState, Table) {
  EXPECT_EQ(MapNodeState("IDLE"), "ready");
  EXPECT_EQ(MapNodeState("MIXED"), "ready");
  EXPECT_EQ(MapNodeState("ALLOCATED"), "ready");
  EXPECT_EQ(MapNodeState("COMPLETING"), "ready");
  EXPECT_EQ(MapNodeState("IDLE+DRAIN"), "cordoned");
  EXPECT_EQ(MapNodeState("MIXED+DRAIN"), "draining");
  EXPECT_EQ(MapNodeState("ALLOCATED+DRAIN"), "draining");
  EXPECT_EQ(MapNodeState("IDLE+MAINTENANCE"), "cordoned");
  EXPECT_EQ(MapNodeState("IDLE+REBOOT_REQUESTED"), "cordoned");
  EXPECT_EQ(MapNodeState("ALLOCATED+FAILING"), "draining");
  EXPECT_EQ(MapNodeState("DOWN"), "down");
  EXPECT_EQ(MapNodeState("DOWN+DRAIN"), "down");
  EXPECT_EQ(MapNodeState("IDLE+NOT_RESPONDING"), "down");
  EXPECT_EQ(MapNodeState("IDLE+POWERED_DOWN"), "down");
  EXPECT_EQ(MapNodeState("FUTURE"), "down");
  EXPECT_EQ(MapNodeState("UNKNOWN"), "down");
  EXPECT_EQ(MapNodeState("SOMETHING_NEW"), "down");
  // sinfo's %T words
  EXPECT_EQ(MapNodeState("drained"), "cordoned");
  EXPECT_EQ(MapNodeState("draining"), "draining");
  EXPECT_EQ(MapNodeState("down*"), "down");
  EXPECT_EQ(MapNodeState("idle~"), "down");
  EXPECT_EQ(MapNodeState("idle"), "ready");
}

TEST(MapJobState, Table) {
  EXPECT_EQ(MapJobState("PENDING"), TaskState::kPending);
  EXPECT_EQ(MapJobState("CONFIGURING"), TaskState::kPending);
  EXPECT_EQ(MapJobState("REQUEUED"), TaskState::kPending);
  EXPECT_EQ(MapJobState("RUNNING"), TaskState::kRunning);
  EXPECT_EQ(MapJobState("COMPLETING"), TaskState::kRunning);
  EXPECT_EQ(MapJobState("SUSPENDED"), TaskState::kRunning);
  EXPECT_EQ(MapJobState("COMPLETED"), TaskState::kSucceeded);
  EXPECT_EQ(MapJobState("CANCELLED"), TaskState::kCancelled);
  EXPECT_EQ(MapJobState("CANCELLED by 0"), TaskState::kCancelled);
  EXPECT_EQ(MapJobState("FAILED"), TaskState::kFailed);
  EXPECT_EQ(MapJobState("TIMEOUT"), TaskState::kFailed);
  EXPECT_EQ(MapJobState("NODE_FAIL"), TaskState::kFailed);
  EXPECT_EQ(MapJobState("OUT_OF_MEMORY"), TaskState::kFailed);
  EXPECT_EQ(MapJobState("PREEMPTED"), TaskState::kFailed);
  EXPECT_EQ(MapJobState(""), std::nullopt);
}

TEST(ParseExitCode, Forms) {
  auto e = ParseExitCode("3:0");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 3);
  EXPECT_EQ(e->signal, 0);
  e = ParseExitCode("0:15");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, 15);
  EXPECT_FALSE(ParseExitCode(""));
  EXPECT_FALSE(ParseExitCode("3"));
  EXPECT_FALSE(ParseExitCode("a:b"));
}

TEST(ParseSqueue, CapturedListing) {
  // squeue --noheader --states=all --format='%i|%j|%P|%T|%r|%N'
  constexpr std::string_view kOut =
      "3|sl|suanli|CANCELLED|None|suanli-n0\n"
      "5|wrap|suanli|CANCELLED|Nodes required for job are DOWN, DRAINED or reserved for jobs in "
      "higher priority partitions|\n"
      "6|wrap|suanli|PENDING|ReqNodeNotAvail, UnavailableNodes:suanli-n0|\n"
      "1|suanli-job-ab12-0-1|suanli|COMPLETED|None|suanli-n0\n"
      "2|suanli-job-ab12-1-1|suanli|FAILED|NonZeroExitCode|suanli-n0\n"
      "9|we|ird|suanli|RUNNING|None|suanli-n0\n";
  auto jobs = ParseSqueue(kOut);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  ASSERT_EQ(jobs->size(), 6u);
  EXPECT_EQ((*jobs)[0].id, "3");
  EXPECT_EQ((*jobs)[0].slurm_state, "CANCELLED");
  EXPECT_EQ((*jobs)[0].reason, "");
  EXPECT_EQ((*jobs)[2].slurm_state, "PENDING");
  EXPECT_EQ((*jobs)[2].reason, "ReqNodeNotAvail, UnavailableNodes:suanli-n0");
  EXPECT_EQ((*jobs)[2].nodes, "");
  EXPECT_EQ((*jobs)[4].name, "suanli-job-ab12-1-1");
  EXPECT_EQ((*jobs)[4].reason, "NonZeroExitCode");
  EXPECT_FALSE((*jobs)[4].exit_code);
  EXPECT_EQ((*jobs)[5].name, "we|ird");
  EXPECT_EQ((*jobs)[5].partition, "suanli");
  EXPECT_EQ((*jobs)[5].nodes, "suanli-n0");
  EXPECT_FALSE(ParseSqueue("garbage\n"));
}

TEST(ParseSacct, CapturedJobCompletionLog) {
  // sacct -c --noheader --parsable2 --format=JobIDRaw,JobName,Partition,State,ExitCode,NodeList
  constexpr std::string_view kOut =
      "2|suanli-job-ab12-1-1|suanli|FAILED|3:0|suanli-n0\n"
      "1|suanli-job-ab12-0-1|suanli|COMPLETED|0:0|suanli-n0\n"
      "6|wrap|suanli|CANCELLED|0:0|(null)\n"
      "7|x|suanli|NODE_FAIL|0:0|suanli-n0\n"
      "7|x|suanli|COMPLETED|0:0|suanli-n0\n"
      "7.batch|batch||COMPLETED|0:0|suanli-n0\n";
  auto jobs = ParseSacct(kOut);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  ASSERT_EQ(jobs->size(), 4u);
  EXPECT_EQ((*jobs)[0].id, "2");
  EXPECT_EQ((*jobs)[0].exit_code, 3);
  EXPECT_EQ((*jobs)[0].signal, 0);
  EXPECT_EQ((*jobs)[2].nodes, "");
  EXPECT_EQ((*jobs)[3].slurm_state, "COMPLETED");  // the requeued job's last row wins
}

TEST(ParseScontrolJob, FinishedJobs) {
  constexpr std::string_view kFailed =
      "JobId=2 JobName=suanli-job-ab12-1-1 UserId=root(0) GroupId=root(0) MCS_label=N/A "
      "Priority=4294901758 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode "
      "Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:00 "
      "TimeLimit=UNLIMITED Partition=suanli AllocNode:Sid=localhost:5159 ReqNodeList=(null) "
      "NodeList=suanli-n0 BatchHost=suanli-n0 NumNodes=1 NumCPUs=1 CPUs/Task=1 "
      "ReqB:S:C:T=0:0:*:* TRES=cpu=1,mem=100M,node=1,billing=1 Command=(null) "
      "WorkDir=/tmp/slurmprobe StdOut=/tmp/slurmprobe/slurm-2.out Power= \n";
  auto j = ParseScontrolJob(kFailed);
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ(j->id, "2");
  EXPECT_EQ(j->name, "suanli-job-ab12-1-1");
  EXPECT_EQ(j->slurm_state, "FAILED");
  EXPECT_EQ(j->reason, "NonZeroExitCode");
  EXPECT_EQ(j->exit_code, 3);
  EXPECT_EQ(j->nodes, "suanli-n0");

  auto c = ParseScontrolJob(
      "JobId=3 JobName=sl JobState=CANCELLED Reason=None ExitCode=0:15 Partition=suanli "
      "NodeList=suanli-n0\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->exit_code, 0);
  EXPECT_EQ(c->signal, 15);
  EXPECT_EQ(c->reason, "");

  auto r = ParseScontrolJob("JobId=4 JobName=x JobState=RUNNING ExitCode=0:0 NodeList=n\n");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->exit_code);  // not known while it runs
  EXPECT_FALSE(ParseScontrolJob(""));
}

TEST(TaskJobName, RoundTripWithDashesInJobIds) {
  TaskKey k{"job-7hx2a9k3bq1m", 3, 2};
  std::string name = TaskJobName("suanli", k);
  EXPECT_EQ(name, "suanli-job-7hx2a9k3bq1m-3-2");
  auto back = ParseTaskJobName(name, "suanli");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, k);
  EXPECT_FALSE(ParseTaskJobName("wrap", "suanli"));
  EXPECT_FALSE(ParseTaskJobName("suanli-job-x-1", "suanli"));   // no attempt
  EXPECT_FALSE(ParseTaskJobName("suanli--1-2", "suanli"));      // no job id
  EXPECT_FALSE(ParseTaskJobName("suanli-j-a-2", "suanli"));     // task not a number
  EXPECT_FALSE(ParseTaskJobName("other-j-1-2", "suanli"));
  EXPECT_FALSE(ParseTaskJobName("suanlix-j-1-2", "suanli"));
}

TEST(ParseSbatchJobId, Forms) {
  EXPECT_EQ(ParseSbatchJobId("4711\n").value(), "4711");
  EXPECT_EQ(ParseSbatchJobId("4711;cluster2\n").value(), "4711");
  EXPECT_FALSE(ParseSbatchJobId(""));
  EXPECT_FALSE(ParseSbatchJobId("Submitted batch job 12\n"));
}

}  // namespace
}  // namespace suanli::slurm
