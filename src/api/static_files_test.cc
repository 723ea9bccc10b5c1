#include "api/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace suanli::api {
namespace {

namespace fs = std::filesystem;

std::string Header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("suanli_static_" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "dist/assets");
    Write(base_ / "dist/index.html", "<!doctype html><title>console</title>");
    Write(base_ / "dist/assets/index-abc123.js", "console.log(1)");
    Write(base_ / "dist/assets/index-abc123.css", "body{}");
    Write(base_ / "dist/logo.svg", "<svg/>");
    Write(base_ / "secret.txt", "do not serve");
    fs::create_symlink(base_ / "secret.txt", base_ / "dist/link.txt");
    fs::create_directory_symlink(base_, base_ / "dist/up");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void Write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

  fs::path base_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCacheHeaders) {
  StaticFiles web((base_ / "dist").string());
  ASSERT_TRUE(web.enabled());

  Response index = web.Serve("/");
  EXPECT_EQ(index.status, 200u);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<title>console</title>"), std::string::npos);
  EXPECT_EQ(Header(index, "Cache-Control"), "no-cache");

  Response js = web.Serve("/assets/index-abc123.js");
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(Header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Header(js, "X-Content-Type-Options"), "nosniff");

  EXPECT_EQ(web.Serve("/assets/index-abc123.css").content_type, "text/css; charset=utf-8");
  Response svg = web.Serve("/logo.svg");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(Header(svg, "Cache-Control"), "no-cache");  // not a hashed build asset
}

TEST_F(StaticFilesTest, ClientRoutesGetTheAppButMissingFilesAre404) {
  StaticFiles web((base_ / "dist").string());
  for (const char* route : {"/map", "/jobs", "/jobs/job_01h2abc", "/vouchers/"}) {
    Response r = web.Serve(route);
    EXPECT_EQ(r.status, 200u) << route;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << route;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache") << route;
  }
  EXPECT_EQ(web.Serve("/assets/index-old.js").status, 404u);  // never HTML for a script
  EXPECT_EQ(web.Serve("/assets/nothing").status, 404u);
  EXPECT_EQ(web.Serve("/favicon.ico").status, 404u);
}

TEST_F(StaticFilesTest, NothingOutsideTheRoot) {
  StaticFiles web((base_ / "dist").string());
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/./index.html",
                           "//etc/passwd", "/assets//index-abc123.js", "/link.txt",
                           "/up/secret.txt", "/..", "relative.txt",
                           "/a\\..\\secret.txt"}) {
    Response r = web.Serve(path);
    EXPECT_EQ(r.status, 404u) << path;
    EXPECT_EQ(r.body.find("do not serve"), std::string::npos) << path;
  }
  EXPECT_EQ(web.Serve(std::string_view("/index.html\0.js", 15)).status, 404u);
}

TEST_F(StaticFilesTest, DisabledWithoutAnIndex) {
  EXPECT_FALSE(StaticFiles("").enabled());
  EXPECT_FALSE(StaticFiles((base_ / "missing").string()).enabled());
  EXPECT_FALSE(StaticFiles((base_ / "dist/assets").string()).enabled());
  EXPECT_EQ(StaticFiles("").Serve("/").status, 404u);
}

TEST(ContentTypeTest, ByExtension) {
  EXPECT_EQ(ContentTypeFor("a/b.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("x.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("dir.v2/file"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace suanli::api
