// HostPrices keeps each shape's cluster-wide supply of copies as nodes change, and prices a
// placement by the copies it takes away. Checked against a recount from scratch.
#include "sched/host_prices.h"

#include <gtest/gtest.h>

#include <random>

#include "sched/devices.h"

namespace suanli::sched {
namespace {

TaskDemand Whole(int count, int64_t cpu) { return {cpu, 0, count, 1000}; }
TaskDemand Share(int milli, int64_t cpu) { return {cpu, 0, 1, milli}; }

WorkloadProfile Shapes() {
  return WorkloadProfile({{Whole(1, 8000), kAnyModel, 0.5},
                          {Share(470, 4000), kAnyModel, 0.3},
                          {Share(810, 3000), kAnyModel, 0.1},
                          {Whole(2, 16000), ModelMask{1}, 0.05},
                          {Whole(8, 120000), kAnyModel, 0.05}});
}

int64_t Recount(const Cluster& c, const TaskShape& s) {
  int64_t total = 0;
  for (NodeSlot i = 0; i < c.slot_count(); ++i) {
    const Node& n = c.node(i);
    if (!n.alive || n.state != NodeState::kUp) continue;
    total += WorkloadProfile::Copies(s, n.model, n.cpu_free, n.gpu_free.data(), n.gpu_count);
  }
  return total;
}

TEST(HostPrices, SupplyFollowsEveryChange) {
  Cluster c;
  for (int i = 0; i < 12; ++i) {
    const bool big = i % 3 == 0;
    ASSERT_TRUE(c.AddNode({"n" + std::to_string(i), big ? 128000 : 96000, 1 << 20,
                           i % 4 == 3 ? 2 : 8, i % 2 ? "G2" : "T4", "CUDA", ""})
                    .has_value());
  }
  HostPrices hosts(Shapes());
  hosts.Bind(&c);
  std::mt19937 rng(7);
  const std::vector<TaskDemand> tasks = {Whole(1, 8000), Share(470, 4000), Share(230, 2000),
                                         Whole(2, 30000), Whole(0, 12000)};
  struct Held {
    NodeSlot slot;
    TaskDemand t;
    DeviceChoice d;
  };
  std::vector<Held> held;
  for (int step = 0; step < 400; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 6) {  // place on a random node where it fits
      TaskDemand t = tasks[rng() % tasks.size()];
      NodeSlot s = static_cast<NodeSlot>(rng() % c.slot_count());
      if (!Cluster::Fits(c.node(s), t, kAnyModel)) continue;
      DeviceChoice chosen;
      bool any = false;
      ForEachDeviceOption(c.node(s), t, [&](const DeviceChoice& d) {
        if (!any) chosen = d;
        any = true;
      });
      if (!any && t.uses_gpu()) continue;
      c.Apply(s, t, chosen, +1);
      held.push_back({s, t, chosen});
    } else if (op < 9 && !held.empty()) {  // release one
      size_t k = rng() % held.size();
      c.Apply(held[k].slot, held[k].t, held[k].d, -1);
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(k));
    } else {  // cordon or uncordon a node
      NodeSlot s = static_cast<NodeSlot>(rng() % c.slot_count());
      const bool up = c.node(s).state == NodeState::kUp;
      ASSERT_TRUE(c.SetNodeState(s, up ? NodeState::kCordoned : NodeState::kUp).ok());
    }
    for (size_t i = 0; i < hosts.shapes().size(); ++i) {
      ASSERT_EQ(hosts.Supply(i), Recount(c, hosts.shapes()[i])) << "step " << step;
    }
  }
}

TEST(HostPrices, CostIsPriceTimesCopiesLost) {
  Cluster c;
  NodeSlot a = *c.AddNode({"a", 128000, 1 << 20, 8, "G2", "CUDA", ""});
  NodeSlot b = *c.AddNode({"b", 96000, 1 << 20, 8, "G2", "CUDA", ""});
  c.Apply(b, Share(470, 4000), DeviceChoice{1, {0}}, +1);
  HostPrices hosts(Shapes());
  hosts.Bind(&c);
  for (NodeSlot s : {a, b}) {
    for (const TaskDemand& t : {Share(470, 4000), Whole(1, 8000), Whole(0, 40000)}) {
      ForEachDeviceOption(c.node(s), t, [&](const DeviceChoice& d) {
        const Node& n = c.node(s);
        auto after = n.gpu_free;
        for (int j = 0; j < d.count; ++j) after[d.devices[j]] -= t.gpu_milli;
        double want = 0;
        for (size_t i = 0; i < hosts.shapes().size(); ++i) {
          const TaskShape& sh = hosts.shapes()[i];
          const double price = sh.weight * static_cast<double>(sh.demand.total_gpu_milli()) /
                               static_cast<double>(Recount(c, sh));
          const int64_t lost =
              WorkloadProfile::Copies(sh, n.model, n.cpu_free, n.gpu_free.data(), n.gpu_count) -
              WorkloadProfile::Copies(sh, n.model, n.cpu_free - t.cpu_milli, after.data(),
                                      n.gpu_count);
          if (Recount(c, sh) > 0) want += price * static_cast<double>(lost);
        }
        EXPECT_NEAR(hosts.Cost(s, n, t, d), want, 1e-9);
      });
    }
  }
  // Taking one GPU of a breaks the only host of the 8-GPU, 120-core shape (b lacks the cores):
  // its price is 0.05 * 8000 / 1 copy = 400; on b nothing of it is lost.
  DeviceChoice one{1, {1}};
  EXPECT_GE(hosts.Cost(a, c.node(a), Whole(1, 8000), one) -
                hosts.Cost(b, c.node(b), Whole(1, 8000), one),
            399.0);
}

TEST(HostPrices, UnwatchesOnDestruction) {
  Cluster c;
  NodeSlot a = *c.AddNode({"a", 96000, 1 << 20, 8, "G2", "CUDA", ""});
  {
    HostPrices hosts(Shapes());
    hosts.Bind(&c);
  }
  c.Apply(a, Whole(1, 8000), DeviceChoice{1, {0}}, +1);  // would touch a dead watcher
  EXPECT_EQ(c.node(a).full_free, 7);
}

}  // namespace
}  // namespace suanli::sched
