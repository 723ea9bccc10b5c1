// The fixture the API integration suites share: a fresh database (SQLite file or PostgreSQL
// schema) and a real `suanli serve` per test, and a small world of organisations built through
// the API itself: two suppliers, two buyers, a regulator, with an admin token each, plus a
// viewer and a member of supplier A.
//
// Each suite is compiled twice: the plain binary runs on SQLite (label integration); the one
// built with SUANLI_TEST_POSTGRES=1 runs on PostgreSQL (label pg) and skips itself when
// SUANLI_TEST_PG_URL is unset.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/api_client.h"
#include "support/server_process.h"

namespace suanli::testing {

inline StoreKind BuiltStore() {
#if defined(SUANLI_TEST_POSTGRES)
  return StoreKind::kPostgres;
#else
  return StoreKind::kSqlite;
#endif
}

// Instantiates a TEST_P suite for the store this binary is built for.
#define SUANLI_INSTANTIATE_FOR_STORE(Suite)                                        \
  INSTANTIATE_TEST_SUITE_P(Store, Suite, ::testing::Values(BuiltStore()),          \
                           [](const ::testing::TestParamInfo<StoreKind>& info) {   \
                             return std::string(StoreKindName(info.param));        \
                           })

// An organisation's user acting with its own token.
struct Who {
  std::string org_id;
  std::string org_name;
  std::string user_id;
  std::string token;
};

struct World {
  Who op;        // the operator's admin (org "platform")
  Who sup_a;     // supplier A's admin
  Who sup_b;     // supplier B's admin
  Who buy_a;     // buyer A's admin
  Who buy_b;     // buyer B's admin
  Who reg;       // the regulator's admin
  Who viewer_a;  // a viewer user of supplier A
  Who member_a;  // a plain member of supplier A
};

// A site with one AI pool of `nodes` nodes of 8 × nvidia-h100-sxm each, owned by one supplier.
struct Supply {
  std::string site_id;
  std::string pool_id;
  std::vector<std::string> node_ids;
};

inline constexpr const char* kGpuModel = "nvidia-h100-sxm";

// Checks an error reply: HTTP status, error code, a non-empty message and (when given) field.
::testing::AssertionResult IsError(const Reply& r, unsigned status, const std::string& code,
                                   const std::string& field = {});
#define EXPECT_ERROR(reply, ...) EXPECT_TRUE(::suanli::testing::IsError((reply), __VA_ARGS__))

class ServerTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts the server (once per test); extra flags e.g. {"--max-body", "2048"}.
  void StartServer(std::vector<std::string> args = {}, bool demo = false,
                   const std::string& listen_host = "127.0.0.1");
  // Builds the World through the API (needs a started server).
  void BuildWorld();
  // A new supply owned by `owner` (names must be unique per owner).
  Supply MakeSupply(const Who& owner, const std::string& name, int nodes = 2);

  ApiClient Client(const std::string& token) { return ApiClient(server_->url(), token); }
  ApiClient Client(const Who& who) { return Client(who.token); }

  std::unique_ptr<TempDir> tmp_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
  World w_;
};

// A ServerTest whose server is started, and whose World built, before each test.
class WorldTest : public ServerTest {
 protected:
  void SetUp() override;
  // Extra `serve` flags for the suite.
  virtual std::vector<std::string> ServerArgs() const { return {}; }
};

// Body of a valid site / pool / node / job.
Json SiteBody(const std::string& name, const std::string& city = "成都市",
              const std::string& province = "四川省");
Json PoolBody(const std::string& site_id, const std::string& name);
Json NodeBody(const std::string& pool_id, const std::string& name, int gpus = 8);
Json JobBody(const std::string& name);

}  // namespace suanli::testing
