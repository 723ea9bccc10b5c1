// The vendor tool parsers on captured-style samples (testdata/README.md), the mapping of the
// names they print to catalog models, and detection through a fake nvidia-smi on PATH.
#include "agent/vendor_tools.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/inventory.h"
#include "agent/test_samples.h"

namespace suanli::agent {
namespace {

namespace fs = std::filesystem;

std::vector<int> Faulty(const std::vector<DeviceStatus>& devs) {
  std::vector<int> out;
  for (const auto& d : devs)
    if (!d.fault_kind.empty()) out.push_back(d.index);
  return out;
}

TEST(VendorToolsTest, NvidiaSmiListsGpusWithTheirBusIds) {
  auto devs = ParseNvidiaSmiList(Sample("nvidia-smi-inventory.csv"));
  ASSERT_EQ(devs.size(), 8u);
  EXPECT_EQ(devs[2].index, 2);
  EXPECT_EQ(devs[2].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(devs[2].bus_id, "0000:3a:00");
  auto accs = CountModels(devs);
  ASSERT_EQ(accs.size(), 1u);
  EXPECT_EQ(accs[0].model, "nvidia-h100-sxm");
  EXPECT_EQ(accs[0].count, 8);
}

TEST(VendorToolsTest, NvidiaSmiNamesAloneAreCountedPerCatalogModel) {
  auto accs = ParseNvidiaSmi("NVIDIA H100 80GB HBM3\nNVIDIA H100 80GB HBM3\nTesla T4\n");
  ASSERT_EQ(accs.size(), 2u);
  EXPECT_EQ(accs[0].model, "nvidia-h100-sxm");
  EXPECT_EQ(accs[0].count, 2);
  EXPECT_EQ(accs[1].model, "nvidia-t4");
  EXPECT_EQ(accs[1].count, 1);
}

TEST(VendorToolsTest, NvidiaSmiHealthyGpusHaveNoFault) {
  auto devs = ParseNvidiaSmiHealth(Sample("nvidia-smi-health-ok.csv"));
  ASSERT_EQ(devs.size(), 8u);
  EXPECT_TRUE(Faulty(devs).empty());
  EXPECT_EQ(devs[7].bus_id, "0000:db:00");
  auto t4 = ParseNvidiaSmiHealth(Sample("nvidia-smi-health-t4-noecc.csv"));
  ASSERT_EQ(t4.size(), 1u);  // [N/A]: no ECC on this card, not a fault
  EXPECT_TRUE(t4[0].fault_kind.empty());
}

TEST(VendorToolsTest, NvidiaSmiEccLostAndUnreadableValuesAreFaults) {
  auto devs = ParseNvidiaSmiHealth(Sample("nvidia-smi-health-faulty.csv"));
  ASSERT_EQ(devs.size(), 7u);
  EXPECT_EQ(Faulty(devs), (std::vector<int>{2, 4, 5, 6}));
  EXPECT_EQ(devs[2].fault_kind, "ecc");
  EXPECT_NE(devs[2].fault_detail.find("3 uncorrectable ECC errors"), std::string::npos);
  EXPECT_EQ(devs[4].fault_kind, "ecc");
  EXPECT_NE(devs[4].fault_detail.find("retirement"), std::string::npos);
  EXPECT_EQ(devs[5].fault_kind, "lost");
  EXPECT_EQ(devs[6].fault_kind, "health");
  EXPECT_NE(devs[6].fault_detail.find("ERR!"), std::string::npos);
}

TEST(VendorToolsTest, NpuSmiListsAscend910BWithHealth) {
  auto devs = ParseNpuSmi(Sample("npu-smi-info-910b.txt"));
  ASSERT_EQ(devs.size(), 8u);  // the process table adds none
  EXPECT_EQ(devs[0].name, "910B3");
  EXPECT_EQ(devs[0].bus_id, "0000:c1:00");
  EXPECT_EQ(devs[7].bus_id, "0000:42:00");
  // Warning is a minor alarm; Alarm (and Critical) take the device out.
  EXPECT_EQ(Faulty(devs), (std::vector<int>{5}));
  EXPECT_EQ(devs[5].fault_kind, "health");
  EXPECT_EQ(devs[5].fault_detail, "npu-smi health Alarm");
  auto accs = CountModels(devs);
  ASSERT_EQ(accs.size(), 1u);
  EXPECT_EQ(accs[0].model, "huawei-ascend-910b");
  EXPECT_EQ(accs[0].count, 8);
}

TEST(VendorToolsTest, NpuSmiCountsEachChipOfAnA3Package) {
  auto devs = ParseNpuSmi(Sample("npu-smi-info-a3.txt"));
  ASSERT_EQ(devs.size(), 4u);
  EXPECT_EQ(devs[1].bus_id, "0000:9f:00");
  EXPECT_EQ(Faulty(devs), (std::vector<int>{3}));
  EXPECT_EQ(devs[3].fault_detail, "npu-smi health Critical");
  auto accs = CountModels(devs);
  ASSERT_EQ(accs.size(), 1u);
  EXPECT_EQ(accs[0].model, "huawei-ascend-910c");
  EXPECT_EQ(accs[0].count, 4);
}

TEST(VendorToolsTest, NpuSmiOlderLayoutAndModelsTheCatalogLacks) {
  auto devs = ParseNpuSmi(Sample("npu-smi-info-310p.txt"));
  ASSERT_EQ(devs.size(), 2u);
  EXPECT_EQ(devs[0].index, 0);  // device numbers, not the NPU ids (8, 9)
  EXPECT_EQ(devs[1].index, 1);
  EXPECT_EQ(devs[1].bus_id, "0000:89:00");
  EXPECT_TRUE(Faulty(devs).empty());
  auto accs = CountModels(devs);
  ASSERT_EQ(accs.size(), 1u);
  EXPECT_EQ(accs[0].model, "310P3");  // unknown to the catalog: sent as printed
}

TEST(VendorToolsTest, HySmiProductNamesMapToHygonModels) {
  auto devs = ParseProductNames(Sample("hy-smi-showproductname.txt"));
  ASSERT_EQ(devs.size(), 4u);  // "Card Vendor" lines are not devices
  EXPECT_EQ(devs[3].index, 3);
  EXPECT_EQ(devs[3].name, "K100_AI");
  EXPECT_EQ(CountModels(devs)[0].model, "hygon-dcu-k100");
  auto z = ParseProductNames(Sample("hy-smi-showproductname-z100.txt"));
  ASSERT_EQ(z.size(), 2u);
  auto accs = CountModels(z);
  EXPECT_EQ(accs[0].model, "hygon-dcu-z100");
  EXPECT_EQ(accs[0].count, 2);
}

TEST(VendorToolsTest, RocmSmiProductNamesAreListed) {
  auto devs = ParseProductNames(Sample("rocm-smi-showproductname.txt"));
  ASSERT_EQ(devs.size(), 2u);
  EXPECT_EQ(devs[1].name, "AMD Instinct MI300X");
  EXPECT_EQ(CountModels(devs)[0].model, "AMD Instinct MI300X");  // no AMD model in the catalog yet
}

TEST(VendorToolsTest, CnmonListsCardsAndTheirEccErrors) {
  auto devs = ParseCnmon(Sample("cnmon.txt"));
  ASSERT_EQ(devs.size(), 4u);  // the second row of each card and the process table are skipped
  EXPECT_EQ(devs[0].name, "MLU370-X8");
  EXPECT_EQ(devs[1].bus_id, "0000:1d:00");
  EXPECT_EQ(Faulty(devs), (std::vector<int>{2}));  // N/A (card 3) is not a fault
  EXPECT_EQ(devs[2].fault_kind, "ecc");
  auto accs = CountModels(devs);
  EXPECT_EQ(accs[0].model, "cambricon-mlu370-x8");
  EXPECT_EQ(accs[0].count, 4);
}

TEST(VendorToolsTest, ToolNamesMapToCatalogModels) {
  EXPECT_EQ(CatalogModel("Tesla V100-SXM2-32GB"), "nvidia-v100-sxm2-32gb");
  EXPECT_EQ(CatalogModel("Tesla V100-PCIE-16GB"), "nvidia-v100-pcie-16gb");
  EXPECT_EQ(CatalogModel("NVIDIA A100-SXM4-80GB"), "nvidia-a100-sxm-80gb");
  EXPECT_EQ(CatalogModel("NVIDIA A10"), "nvidia-a10");  // not the A100
  EXPECT_EQ(CatalogModel("NVIDIA GeForce RTX 4090"), "nvidia-rtx-4090");
  EXPECT_EQ(CatalogModel("NVIDIA H800"), "nvidia-h800-sxm");
  EXPECT_EQ(CatalogModel("NVIDIA L40S"), "nvidia-l40s");
  EXPECT_EQ(CatalogModel("910B4-1"), "huawei-ascend-910b");
  EXPECT_EQ(CatalogModel("Ascend910B2"), "huawei-ascend-910b");
  EXPECT_EQ(CatalogModel("Ascend910B"), "huawei-ascend-910b");
  EXPECT_EQ(CatalogModel("Ascend950DT"), "Ascend950DT");
  EXPECT_EQ(CatalogModel("Z100L"), "hygon-dcu-z100");
  EXPECT_EQ(CatalogModel("MLU590-M9"), "cambricon-mlu590");
  EXPECT_EQ(CatalogModel("NVIDIA H200"), "NVIDIA H200");
}

TEST(VendorToolsTest, BusIdsAreNormalised) {
  EXPECT_EQ(NormalizeBusId("00000000:3B:00.0"), "0000:3b:00");
  EXPECT_EQ(NormalizeBusId("0000:3b:00"), "0000:3b:00");
  EXPECT_EQ(NormalizeBusId(" 0000:C1:00.0 "), "0000:c1:00");
  EXPECT_EQ(NormalizeBusId("NA"), "");
  EXPECT_EQ(NormalizeBusId("On v4.20.11"), "");
}

TEST(VendorToolsTest, DetectionTriesEachToolAndItsInstallPaths) {
  std::vector<std::string> tried;
  auto run = [&](const std::vector<std::string>& argv, int) {
    tried.push_back(argv[0]);
    ToolResult r;
    if (argv[0] == "https://gh.072103.xyz/usr/local/sbin/npu-smi") {
      r.started = true;
      r.exit_code = 0;
      r.out = Sample("npu-smi-info-910b.txt");
    }
    return r;
  };
  auto found = DetectDevices(run, "auto", 1000);
  ASSERT_NE(found.tool, nullptr);
  EXPECT_EQ(found.tool->name, "npu-smi");
  EXPECT_EQ(found.program, "https://gh.072103.xyz/usr/local/sbin/npu-smi");
  EXPECT_EQ(found.devices.size(), 8u);
  EXPECT_EQ(tried, (std::vector<std::string>{"nvidia-smi", "npu-smi", "https://gh.072103.xyz/usr/local/sbin/npu-smi"}));

  tried.clear();
  EXPECT_EQ(DetectDevices(run, "none", 1000).tool, nullptr);
  EXPECT_TRUE(tried.empty());
  EXPECT_EQ(DetectDevices(run, "hy-smi,cnmon", 1000).tool, nullptr);
  EXPECT_EQ(tried, (std::vector<std::string>{"hy-smi", "https://gh.072103.xyz/opt/hyhal/bin/hy-smi", "cnmon"}));
}

// A real process: a shell script named nvidia-smi first on PATH prints the sample output.
TEST(VendorToolsTest, InventoryComesFromAnNvidiaSmiOnPath) {
  const fs::path dir = fs::temp_directory_path() / ("suanli-fake-smi-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string script = (dir / "nvidia-smi").string();
  {
    std::ofstream s(script);
    s << "#!/bin/sh\n"
      << "case \"$1\" in\n"
      << "  --query-gpu=index,name,pci.bus_id) cat '" << SUANLI_AGENT_TESTDATA
      << "/nvidia-smi-inventory.csv' ;;\n"
      << "  *) echo \"unexpected arguments: $*\" >&2; exit 6 ;;\n"
      << "esac\n";
  }
  ::chmod(script.c_str(), 0755);
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (dir.string() + ":" + old_path).c_str(), 1);
  InventoryOptions o;
  DetectedDevices devices;
  auto inv = DetectInventory(o, &devices);
  ::setenv("PATH", old_path.c_str(), 1);
  fs::remove_all(dir);
  ASSERT_TRUE(inv) << inv.error().ToString();
  ASSERT_EQ(inv->accelerators.size(), 1u);
  EXPECT_EQ(inv->accelerators[0].model, "nvidia-h100-sxm");
  EXPECT_EQ(inv->accelerators[0].count, 8);
  EXPECT_EQ(inv->labels["devices"], "nvidia-smi");
  EXPECT_EQ(devices.program, "nvidia-smi");
  ASSERT_EQ(devices.devices.size(), 8u);
  EXPECT_EQ(devices.devices[5].bus_id, "0000:ab:00");
}

}  // namespace
}  // namespace suanli::agent
