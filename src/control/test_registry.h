// For library tests: a real Registry on a fresh SQLite file in a temp directory named after
// the running test, with a fake clock and seeded ids. Placement, execution and Slurm tests
// share it. Header-only; include it from tests only.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "control/registry.h"

namespace suanli::control {

struct TestRegistry {
  TestRegistry(const std::string& tag, uint64_t seed) : ids(seed) {
    dir = std::filesystem::temp_directory_path() /
          ("suanli-" + tag + "-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto s = store::OpenStore((dir / "test.db").string());
    if (!s) {
      ADD_FAILURE() << "cannot open the test store: " << s.error().ToString();
      return;
    }
    store = std::move(*s);
    reg = std::make_unique<Registry>(store.get(), &clock, &ids);
    EXPECT_TRUE(reg->Load().ok());
  }
  ~TestRegistry() {
    reg.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  std::filesystem::path dir;
  FakeClock clock;
  SeededIdSource ids;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Registry> reg;
};

}  // namespace suanli::control
