// OpenStore's URL dispatch and error mapping, and the shape of the migration lists.
#include <gtest/gtest.h>

#include <fstream>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_test_backends.h"

namespace suanli::store {
namespace {

void ExpectIncreasingFromOne(std::span<const Migration> migrations) {
  ASSERT_FALSE(migrations.empty());
  int previous = 0;
  for (const Migration& m : migrations) {
    EXPECT_GT(m.version, previous) << m.name;
    EXPECT_FALSE(m.sql.empty());
    previous = m.version;
  }
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_EQ(LatestVersion(migrations), previous);
}

TEST(Migrations, VersionsIncreaseFromOne) {
  ExpectIncreasingFromOne(SqliteMigrations());
  ExpectIncreasingFromOne(PostgresMigrations());
  EXPECT_EQ(LatestVersion(SqliteMigrations()), LatestVersion(PostgresMigrations()));
}

TEST(OpenStore, RejectsEmptyAndUnknownSchemes) {
  EXPECT_EQ(OpenStore("").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenStore("mysql://localhost/db").error().code(), StatusCode::kInvalidArgument);
}

TEST(OpenStore, RejectsUnparsablePostgresUrl) {
  auto opened = OpenStore("postgresql://[::1/db");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument) << opened.error().ToString();
}

TEST(OpenStore, UnreachablePostgresIsUnavailableWithLibpqMessage) {
  auto opened = OpenStore("postgres://nobody@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(opened.error().message().find("127.0.0.1"), std::string::npos)
      << opened.error().message();
}

TEST(OpenStore, PathOpensSqlite) {
  testing::SqliteBackend dir;
  ASSERT_EQ(dir.SetUp(), "");
  {
    auto opened = OpenStore(dir.Url());
    ASSERT_TRUE(opened) << opened.error().ToString();
    EXPECT_EQ((*opened)->Backend(), "sqlite");
    ASSERT_TRUE((*opened)->SetMeta("k", "v").ok());
    EXPECT_TRUE(std::filesystem::exists(dir.Url() + "-wal"));  // WAL journal mode
  }
  EXPECT_EQ(OpenStore(dir.dir() + "/missing-dir/x.db").error().code(), StatusCode::kUnavailable);
  std::ofstream(dir.dir() + "/garbage.db") << std::string(8192, 'x');
  EXPECT_EQ(OpenStore(dir.dir() + "/garbage.db").error().code(), StatusCode::kDataLoss);
  dir.TearDown();
}

}  // namespace
}  // namespace suanli::store
