// `suanli serve --web-root DIR` serves the console at / over real HTTP: static files without a
// token, client routes get index.html, nothing outside DIR, and the API stays authenticated.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "api/api_fixture.h"

namespace suanli::testing {
namespace {

namespace fs = std::filesystem;

class WebConsoleTest : public ServerTest {
 protected:
  std::string MakeWebRoot() {
    fs::path root = fs::path(tmp_->path()) / "dist";
    fs::create_directories(root / "assets");
    std::ofstream(root / "index.html") << "<!doctype html><div id=app></div>";
    std::ofstream(root / "assets" / "index-1a2b.js") << "export const x = 1;";
    std::ofstream(fs::path(tmp_->path()) / "secret.txt") << "outside the root";
    return root.string();
  }
};

TEST_P(WebConsoleTest, ServesTheConsoleBesideTheApi) {
  StartServer({"--web-root", MakeWebRoot()});
  ApiClient anon = Client("");

  Reply index = anon.Get("/");
  ASSERT_EQ(index.status, 200u) << index;
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(index.headers["cache-control"], "no-cache");
  EXPECT_NE(index.raw.find("id=app"), std::string::npos);

  Reply route = anon.Get("/jobs/job_123?tab=logs");
  EXPECT_EQ(route.status, 200u) << route;
  EXPECT_EQ(route.raw, index.raw);

  Reply js = anon.Get("/assets/index-1a2b.js");
  EXPECT_EQ(js.status, 200u) << js;
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers["cache-control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(anon.Get("/assets/index-gone.js").status, 404u);

  for (const char* evil : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/../secret.txt",
                           "/..%2fsecret.txt"}) {
    Reply r = anon.Get(evil);
    EXPECT_EQ(r.status, 404u) << evil << " " << r;
    EXPECT_EQ(r.raw.find("outside the root"), std::string::npos) << evil;
  }

  // The API is untouched: authenticated, JSON errors, unknown endpoints are not the app.
  EXPECT_ERROR(anon.Get("/api/v1/me"), 401, "unauthenticated");
  EXPECT_ERROR(anon.Get("/api/v1/no-such-thing"), 404, "not_found");
  EXPECT_ERROR(anon.Get("/api"), 404, "not_found");
  EXPECT_EQ(anon.Get("/healthz").body["status"], "ok");
  EXPECT_EQ(anon.Send("POST", "/", "{}").status, 404u);
}

TEST_P(WebConsoleTest, NoConsoleWhenTheRootIsEmpty) {
  StartServer({"--web-root", ""});
  EXPECT_ERROR(Client("").Get("/"), 404, "not_found");
}

// A raw connection reading a server-sent event stream (the HTTP client reads whole bodies).
class EventStream {
 public:
  EventStream(const std::string& url, const std::string& token) {
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    const std::string req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                            "Authorization: Bearer " + token + "\r\n\r\n";
    if (connected_) connected_ = ::send(fd_, req.data(), req.size(), 0) == ssize_t(req.size());
  }
  ~EventStream() { ::close(fd_); }
  bool connected() const { return connected_; }
  // Everything up to and including the next blank line ("" on timeout or close).
  std::string NextBlock() {
    for (;;) {
      // The earliest terminator: headers end in CRLF CRLF, events in LF LF, and both may
      // arrive in one read.
      const size_t lf = buf_.find("\n\n"), crlf = buf_.find("\r\n\r\n");
      const size_t end = std::min(lf, crlf);
      if (end != std::string::npos) {
        size_t len = end == crlf ? end + 4 : end + 2;
        std::string block = buf_.substr(0, len);
        buf_.erase(0, len);
        return block;
      }
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return "";
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

TEST_P(WebConsoleTest, EventsTellTheConsoleWhenSomethingChanged) {
  StartServer();
  BuildWorld();
  EXPECT_ERROR(Client("").Get("/api/v1/events"), 401, "unauthenticated");

  EventStream events(server_->url(), w_.buy_a.token);
  ASSERT_TRUE(events.connected());
  const std::string head = events.NextBlock();
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(events.NextBlock().rfind("event: change\ndata: {", 0), 0u);  // at once

  // A write by someone else: an event within a second or so.
  const auto t0 = std::chrono::steady_clock::now();
  ApiClient sup = Client(w_.sup_a);
  ASSERT_EQ(sup.Post("/api/v1/sites", SiteBody("events-site")).status, 201u);
  const std::string next = events.NextBlock();
  EXPECT_EQ(next.rfind("event: change\n", 0), 0u) << next;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));

  // Other requests are served meanwhile; without Accept: text/event-stream the same route
  // answers the marks at once (a poll); it takes no parameters.
  EXPECT_EQ(Client(w_.buy_a).Get("/api/v1/me").status, 200u);
  Reply marks = Client(w_.buy_a).Get("/api/v1/events");
  ASSERT_EQ(marks.status, 200u) << marks;
  EXPECT_GT(marks.body["registry"].get<int64_t>(), 0);
  EXPECT_TRUE(marks.body["ledger"].is_number_integer()) << marks;
  EXPECT_ERROR(Client(w_.buy_a).Get("/api/v1/events?since=1"), 400, "invalid_argument", "since");
}

SUANLI_INSTANTIATE_FOR_STORE(WebConsoleTest);

}  // namespace
}  // namespace suanli::testing
