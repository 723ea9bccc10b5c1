#include "api/server.h"

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <tuple>

namespace suanli::api {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+') {
      out->push_back(' ');
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

}  // namespace

bool ParseTarget(std::string_view target, std::string* path,
                 std::map<std::string, std::string>* query) {
  size_t q = target.find('?');
  if (!Decode(target.substr(0, q), path)) return false;
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string k, v;
    if (!Decode(pair.substr(0, eq), &k)) return false;
    if (eq != std::string_view::npos && !Decode(pair.substr(eq + 1), &v)) return false;
    (*query)[k] = v;
  }
  return true;
}

struct HttpServer::Impl {
  Api* api;
  int threads;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> workers;
  std::atomic<uint64_t> next_request{0};
  std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;
  bool stopped = false;
  std::string id_prefix;

  explicit Impl(Api* a, int t) : api(a), threads(t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(::getpid() ^ ::time(nullptr)));
    id_prefix = buf;
  }

  http::response<http::string_body> ToBeast(Response&& r, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "suanli");
    if (!r.body.empty() || r.status != 204) res.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
  }

  // Sends a streamed response (Response::stream): the headers, then every chunk, with no
  // length; the body ends when the connection closes.
  asio::awaitable<void> WriteStream(beast::tcp_stream& stream, Response& r, unsigned version) {
    http::response<http::empty_body> head{static_cast<http::status>(r.status), version};
    head.set(http::field::server, "suanli");
    head.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) head.set(k, v);
    head.keep_alive(false);
    http::response_serializer<http::empty_body> serializer{head};
    stream.expires_never();
    boost::system::error_code ec;
    size_t n = 0;
    std::tie(ec, n) = co_await http::async_write_header(stream, serializer, use_tuple);
    while (!ec) {
      std::optional<std::string> chunk = co_await r.stream();
      if (!chunk) break;
      std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(*chunk), use_tuple);
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    socket.set_option(tcp::no_delay(true));
    std::string remote;
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(api->options().max_body_bytes);
      stream.expires_after(std::chrono::seconds(120));
      auto [rec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
      (void)n;
      if (rec == http::error::end_of_stream || rec == asio::error::eof) break;
      if (rec) {
        Response err;
        if (rec == http::error::body_limit) {
          err = ErrorResponse({StatusCode::kPayloadTooLarge,
                               "request body larger than " +
                                   std::to_string(api->options().max_body_bytes) + " bytes"});
        } else if (rec == http::error::header_limit) {
          err = ErrorResponse({StatusCode::kInvalidArgument, "request headers too large"});
          err.status = 431;
        } else if (rec == beast::error::timeout || rec == asio::error::connection_reset ||
                   rec == asio::error::operation_aborted) {
          break;
        } else {
          err = ErrorResponse(InvalidArgument("malformed HTTP request: " + rec.message()));
        }
        auto res = ToBeast(std::move(err), 11, false);
        co_await http::async_write(stream, res, use_tuple);
        break;
      }
      auto& msg = parser.get();
      Request req;
      req.method = msg.method();
      req.remote = remote;
      req.request_id = id_prefix + "-" + std::to_string(next_request.fetch_add(1));
      Response res;
      if (!ParseTarget(msg.target(), &req.path, &req.query)) {
        res = ErrorResponse(InvalidArgument("bad percent-encoding in the URL"));
      } else {
        req.body = std::move(msg.body());
        if (auto it = msg.find(http::field::authorization); it != msg.end())
          req.authorization = std::string(it->value());
        if (auto it = msg.find(http::field::accept); it != msg.end())
          req.accept = std::string(it->value());
        if (auto it = msg.find(http::field::if_match); it != msg.end()) {
          std::string v(it->value());
          if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
          req.if_match = v;
        }
        res = co_await api->Handle(req);
      }
      if (res.stream) {
        co_await WriteStream(stream, res, msg.version());
        break;
      }
      bool keep_alive = msg.keep_alive();
      auto out = ToBeast(std::move(res), msg.version(), keep_alive);
      auto [wec, wn] = co_await http::async_write(stream, out, use_tuple);
      (void)wn;
      if (wec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(use_tuple);
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        continue;
      }
      asio::co_spawn(socket.get_executor(), Session(std::move(socket)), asio::detached);
    }
  }
};

HttpServer::HttpServer(Api* api, int threads) : impl_(std::make_unique<Impl>(api, threads)) {}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Start(const std::string& host, int port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Err(InvalidArgument("bad listen address " + host, "listen"));
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  auto acc = std::make_unique<tcp::acceptor>(impl_->io);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Err(Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                 ec.message()));
  int bound = acc->local_endpoint().port();
  impl_->acceptor = std::move(acc);
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  for (int i = 0; i < std::max(1, impl_->threads); ++i)
    impl_->workers.emplace_back([this] { impl_->io.run(); });
  return bound;
}

void HttpServer::RequestStop() {
  std::lock_guard lock(impl_->mu);
  impl_->stop_requested = true;
  impl_->cv.notify_all();
}

void HttpServer::Wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->stop_requested; });
}

void HttpServer::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  if (impl_->acceptor) {
    asio::post(impl_->io, [this] {
      boost::system::error_code ec;
      impl_->acceptor->close(ec);
    });
  }
  impl_->io.stop();
  for (auto& t : impl_->workers)
    if (t.joinable()) t.join();
  impl_->workers.clear();
}

}  // namespace suanli::api
