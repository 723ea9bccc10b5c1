#include "client/http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace suanli::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
void SetTimeouts(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}
}  // namespace

struct HttpClient::Conn {
  asio::io_context io;
  beast::tcp_stream stream{io};
  bool open = false;
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const std::string& base_url,
                                                       std::string token) {
  std::string rest = base_url;
  if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return Err(InvalidArgument("only http:// servers are supported: " + base_url, "server"));
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos)
    return Err(InvalidArgument("server URL must not have a path: " + base_url, "server"));
  size_t colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
    return Err(InvalidArgument("server must look like http://host:port, got " + base_url, "server"));
  return std::unique_ptr<HttpClient>(new HttpClient(host, port, std::move(token)));
}

HttpClient::HttpClient(std::string host, std::string port, std::string token)
    : host_(std::move(host)), port_(std::move(port)), token_(std::move(token)),
      conn_(std::make_unique<Conn>()) {}

HttpClient::~HttpClient() {
  if (conn_ && conn_->open) {
    beast::error_code ec;
    conn_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

Result<HttpResponse> HttpClient::Send(const std::string& method, const std::string& target,
                                      const std::string& body,
                                      const std::map<std::string, std::string>& headers) {
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return Err(InvalidArgument("unknown HTTP method " + method));
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!conn_->open) {
      tcp::resolver resolver(conn_->io);
      auto results = resolver.resolve(host_, port_, ec);
      if (ec) return Err(Unavailable("cannot resolve " + host_ + ": " + ec.message()));
      // Beast's expires_after() bounds only asynchronous operations; these calls block, so the
      // timeout is the socket's own (SO_SNDTIMEO also bounds connect on Linux).
      auto& sock = conn_->stream.socket();
      for (const auto& entry : results) {
        sock.close(ec);
        sock.open(entry.endpoint().protocol(), ec);
        if (ec) continue;
        SetTimeouts(sock.native_handle(), timeout_ms_);
        sock.connect(entry.endpoint(), ec);
        if (!ec) break;
      }
      if (ec)
        return Err(Unavailable("cannot connect to " + host_ + ":" + port_ + ": " + ec.message()));
      conn_->stream.socket().set_option(tcp::no_delay(true), ec);
      conn_->open = true;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "suanli-cli");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    SetTimeouts(conn_->stream.socket().native_handle(), timeout_ms_);
    http::write(conn_->stream, req, ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    if (!ec) http::read(conn_->stream, buffer, parser, ec);
    if (ec) {
      conn_->stream.close();
      conn_->open = false;
      // A kept-alive connection the server already closed: retry once on a fresh one.
      if (attempt == 0 && (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                           ec == asio::error::broken_pipe || ec == asio::error::eof))
        continue;
      return Err(Unavailable("request to " + host_ + ":" + port_ + " failed: " + ec.message()));
    }
    auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    out.body = std::move(res.body());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) {
      conn_->stream.close();
      conn_->open = false;
    }
    return out;
  }
  return Err(Unavailable("request failed"));
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace suanli::client
