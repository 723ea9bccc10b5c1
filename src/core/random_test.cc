#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace suanli {
namespace {

TEST(Base32Test, KnownVectors) {
  const uint8_t foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(Base32(foobar, 1), "my");
  EXPECT_EQ(Base32(foobar, 6), "mzxw6ytboi");
}

TEST(IdSourceTest, IdsHavePrefixAndAreDistinct) {
  SecureIdSource ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids.NewId("node");
    ASSERT_EQ(id.rfind("node-", 0), 0u);
    ASSERT_EQ(id.size(), 5u + 12u);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdSourceTest, SecureIdsStayUniqueUnderBursts) {
  SecureIdSource ids;
  std::set<std::string> seen;
  for (int i = 0; i < 200000; ++i) {  // many per millisecond
    std::string id = ids.NewId("job");
    ASSERT_EQ(id.size(), 4u + 12u);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200000u);
}

TEST(IdSourceTest, SeededIsRepeatable) {
  SeededIdSource a(7), b(7);
  EXPECT_EQ(a.NewId("job"), b.NewId("job"));
  EXPECT_EQ(a.NewSecret(32), b.NewSecret(32));
}

}  // namespace
}  // namespace suanli
