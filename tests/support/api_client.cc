#include "support/api_client.h"

namespace suanli::testing {

namespace {
std::string ErrorField(const Json& body, const char* name) {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
  const Json& e = body["error"];
  return e.contains(name) && e[name].is_string() ? e[name].get<std::string>() : "";
}
}  // namespace

std::string Reply::code() const { return ErrorField(body, "code"); }
std::string Reply::message() const { return ErrorField(body, "message"); }
std::string Reply::field() const { return ErrorField(body, "field"); }

std::ostream& operator<<(std::ostream& os, const Reply& r) {
  if (!r.transport_error.empty()) return os << "transport error: " << r.transport_error;
  std::string raw = r.raw.size() > 600 ? r.raw.substr(0, 600) + "…" : r.raw;
  return os << "HTTP " << r.status << " " << raw;
}

ApiClient::ApiClient(const std::string& base_url, std::string token)
    : base_url_(base_url), token_(std::move(token)) {
  auto c = client::HttpClient::Create(base_url_, token_);
  if (c) http_ = std::move(*c);
}

void ApiClient::set_token(std::string token) {
  token_ = std::move(token);
  if (http_) http_->set_token(token_);
}

Reply ApiClient::Send(const std::string& method, const std::string& target,
                      const std::string& body, const std::map<std::string, std::string>& headers) {
  Reply r;
  if (!http_) {
    r.transport_error = "bad base URL " + base_url_;
    return r;
  }
  auto res = http_->Send(method, target, body, headers);
  if (!res) {
    r.transport_error = res.error().ToString();
    return r;
  }
  r.status = res->status;
  r.raw = std::move(res->body);
  r.headers = std::move(res->headers);
  if (!r.raw.empty()) r.body = Json::parse(r.raw, nullptr, false);
  if (r.body.is_discarded()) r.body = Json();
  return r;
}

int64_t ApiClient::Total(const std::string& plural, const std::string& query) {
  Reply r = Get("/api/v1/" + plural + "?limit=1" + (query.empty() ? "" : "&" + query));
  if (r.status != 200 || !r.body.is_object() || !r.body.contains("total")) return -1;
  return r.body["total"].get<int64_t>();
}

}  // namespace suanli::testing
