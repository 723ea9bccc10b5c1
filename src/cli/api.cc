#include "cli/api.h"

namespace suanli::cli {
namespace {

StatusCode CodeFromName(std::string_view name, unsigned http_status) {
  for (int c = 1; c <= static_cast<int>(StatusCode::kPayloadTooLarge); ++c)
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) return static_cast<StatusCode>(c);
  switch (http_status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kFailedPrecondition;
    case 413: return StatusCode::kPayloadTooLarge;
    case 429: return StatusCode::kResourceExhausted;
    case 503: return StatusCode::kUnavailable;
    default: return http_status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
  }
}

}  // namespace

Status StatusFromHttp(unsigned http_status, const std::string& body) {
  std::string code_name, message, field;
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const Json& e = j["error"];
    if (e.contains("code") && e["code"].is_string()) code_name = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string())
      message = e["message"].get<std::string>();
    if (e.contains("field") && e["field"].is_string()) field = e["field"].get<std::string>();
  }
  if (message.empty()) {
    message = "HTTP " + std::to_string(http_status);
    std::string first_line = body.substr(0, body.find('\n'));
    if (!first_line.empty() && first_line.size() < 200) message += ": " + first_line;
  }
  StatusCode code = CodeFromName(code_name, http_status);
  // Whatever the body says, a 5xx is the server's failure and a 4xx is the caller's.
  Status s(code, message, field);
  if (http_status >= 500 && ExitCodeFor(s) != 1) s = Status(StatusCode::kInternal, message, field);
  if (http_status < 500 && ExitCodeFor(s) != 2)
    s = Status(StatusCode::kFailedPrecondition, message, field);
  return s;
}

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kUnavailable:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
    case StatusCode::kUnimplemented: return 1;
    default: return 2;
  }
}

std::string ErrorLine(const Status& s) {
  std::string line(StatusCodeName(s.code()));
  if (!s.field().empty()) line += ": " + s.field();
  line += ": " + s.message();
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  return line;
}

void AppendQuery(std::string* query, const std::string& key, const std::string& value) {
  query->append(query->empty() ? "?" : "&");
  query->append(client::UrlEncode(key)).append("=").append(client::UrlEncode(value));
}

Result<Json> Api::Call(const std::string& method, const std::string& target, const Json& body) {
  if (!http_) {
    auto c = client::HttpClient::Create(options_.server, options_.token);
    if (!c) return Err(c.error());
    http_ = std::move(*c);
  }
  std::string path = target.empty() || target[0] != '/' ? "/api/v1/" + target : target;
  auto r = http_->Send(method, path, body.is_null() ? std::string() : body.dump());
  if (!r) {
    return Err(Status(r.error().code(), "cannot reach " + options_.server + ": " +
                                            r.error().message()));
  }
  if (r->status < 200 || r->status >= 300) {
    Status s = StatusFromHttp(r->status, r->body);
    if (s.code() == StatusCode::kUnauthenticated && options_.token.empty())
      s = Status(s.code(), s.message() + " (give --token or set SUANLI_TOKEN)", s.field());
    return Err(std::move(s));
  }
  if (r->status == 204 || r->body.empty()) return Json();
  Json j = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err(Internal("the server answered with invalid JSON"));
  return j;
}

}  // namespace suanli::cli
