#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace suanli::catalog {
namespace {

// The models the platform, the demo network and the Alibaba GPU trace rely on.
const char* const kRequired[] = {"nvidia-h100-sxm",
                                 "nvidia-h800-sxm",
                                 "nvidia-h20",
                                 "nvidia-a100-sxm-80gb",
                                 "nvidia-a800-sxm-80gb",
                                 "nvidia-v100-sxm2-32gb",
                                 "nvidia-v100-pcie-16gb",
                                 "nvidia-t4",
                                 "nvidia-a10",
                                 "nvidia-l40s",
                                 "nvidia-rtx-4090",
                                 "nvidia-p100-pcie-16gb",
                                 "huawei-ascend-910b",
                                 "huawei-ascend-910c",
                                 "hygon-dcu-k100",
                                 "hygon-dcu-z100",
                                 "cambricon-mlu370-x8",
                                 "cambricon-mlu590",
                                 "kunlunxin-p800",
                                 "moorethreads-mtt-s4000",
                                 "alibaba-trace-g2",
                                 "alibaba-trace-g3"};

TEST(Catalog, EmbeddedDocumentParses) {
  auto parsed = ParseCatalog(BuiltinCatalogJson());
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->size(), BuiltinAccelerators().size());
}

TEST(Catalog, RequiredModelsPresent) {
  for (const char* id : kRequired) {
    const domain::Accelerator* a = FindBuiltin(id);
    ASSERT_NE(a, nullptr) << id;
    EXPECT_EQ(a->id, id);
  }
}

TEST(Catalog, IdsUniqueAndSlugs) {
  std::set<std::string> ids;
  for (const auto& a : BuiltinAccelerators()) {
    EXPECT_TRUE(ids.insert(a.id).second) << a.id;
    for (char c : a.id) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << a.id;
    }
    EXPECT_LE(a.id.size(), 64u);
    EXPECT_TRUE(a.org_id.empty());
  }
}

// Every non-zero figure is named by some source's `figures`; a zero figure is explained.
TEST(Catalog, EveryFigureHasASource) {
  for (const auto& a : BuiltinAccelerators()) {
    std::string named;
    for (const auto& s : a.sources) named += s.figures + ",";
    const std::pair<const char*, double> figures[] = {{"memory", a.memory_gib},
                                                      {"fp64", a.fp64_tflops},
                                                      {"fp32", a.fp32_tflops},
                                                      {"fp16", a.fp16_tflops},
                                                      {"int8", a.int8_tops}};
    bool any_zero = false;
    for (const auto& [name, value] : figures) {
      if (value > 0) {
        EXPECT_NE(named.find(name), std::string::npos) << a.id << " " << name;
      } else {
        any_zero = true;
      }
    }
    if (any_zero) {
      EXPECT_FALSE(a.notes.empty()) << a.id << " has unexplained zero figures";
    }
    for (const auto& s : a.sources) EXPECT_FALSE(s.title.empty() && s.url.empty()) << a.id;
  }
}

TEST(Catalog, TensorFp16AtLeastFp32) {
  for (const auto& a : BuiltinAccelerators()) {
    if (a.fp16_tflops > 0 && a.fp32_tflops > 0) {
      EXPECT_GE(a.fp16_tflops, a.fp32_tflops) << a.id;
    }
  }
}

TEST(Catalog, KnownFigures) {
  const auto* h100 = FindBuiltin("nvidia-h100-sxm");
  ASSERT_NE(h100, nullptr);
  EXPECT_DOUBLE_EQ(h100->fp16_tflops, 989.5);  // dense, not the 1979 sparse figure
  EXPECT_DOUBLE_EQ(h100->fp64_tflops, 34);
  EXPECT_EQ(h100->ecosystem, "CUDA");
  EXPECT_EQ(FindBuiltin("huawei-ascend-910b")->ecosystem, "CANN");
  EXPECT_EQ(FindBuiltin("hygon-dcu-k100")->ecosystem, "DTK");
}

TEST(Catalog, TraceAliasesResolve) {
  const std::pair<const char*, const char*> trace[] = {{"G2", "alibaba-trace-g2"},
                                                       {"T4", "nvidia-t4"},
                                                       {"G3", "alibaba-trace-g3"},
                                                       {"P100", "nvidia-p100-pcie-16gb"},
                                                       {"V100M32", "nvidia-v100-sxm2-32gb"},
                                                       {"V100M16", "nvidia-v100-pcie-16gb"},
                                                       {"A10", "nvidia-a10"}};
  for (const auto& [alias, id] : trace) {
    const domain::Accelerator* a = FindBuiltin(alias);
    ASSERT_NE(a, nullptr) << alias;
    EXPECT_EQ(a->id, id);
  }
  EXPECT_EQ(FindBuiltin("v100m32"), FindBuiltin("V100M32"));  // case-insensitive
  EXPECT_EQ(FindBuiltin("NVIDIA-H100-SXM"), FindBuiltin("nvidia-h100-sxm"));
  EXPECT_EQ(FindBuiltin("no-such-card"), nullptr);
  EXPECT_EQ(AliasesOf("nvidia-v100-sxm2-32gb"), std::vector<std::string>{"V100M32"});
  EXPECT_TRUE(AliasesOf("no-such-card").empty());
}

TEST(Catalog, AliasesResolveToTheirRecord) {
  for (const auto& a : BuiltinAccelerators())
    for (const auto& alias : AliasesOf(a.id)) EXPECT_EQ(FindBuiltin(alias), &a) << alias;
}

TEST(Catalog, ParseRejectsBadDocuments) {
  EXPECT_FALSE(ParseCatalog("not json"));
  EXPECT_FALSE(ParseCatalog("{}"));
  EXPECT_FALSE(ParseCatalog(R"([{"id": "x"}])"));
  const char* rec =
      R"({"id": "x", "vendor": "V", "model": "M", "ecosystem": "CUDA", "memory_gib": 1,
          "fp64_tflops": 0, "fp32_tflops": 0, "fp16_tflops": 0, "int8_tops": 0,
          "sources": [{"title": "t"}], "aliases": ["Y"]})";
  EXPECT_TRUE(ParseCatalog(std::string("[") + rec + "]"));
  auto dup = ParseCatalog(std::string("[") + rec + "," + rec + "]");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), StatusCode::kAlreadyExists);
  std::string bad_eco = std::string("[") + rec + "]";
  bad_eco.replace(bad_eco.find("CUDA"), 4, "OpenCL");
  EXPECT_FALSE(ParseCatalog(bad_eco));
}

}  // namespace
}  // namespace suanli::catalog
