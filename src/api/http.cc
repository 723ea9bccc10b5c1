#include "api/http.h"

namespace suanli::api {

unsigned HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kAborted: return 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInternal:
    case StatusCode::kDataLoss: return 500;
  }
  return 500;
}

Response ErrorResponse(const Status& s) {
  Json err = {{"code", StatusCodeName(s.code())}, {"message", s.message()}};
  if (!s.field().empty()) err["field"] = s.field();
  return JsonResponse(HttpStatusFor(s.code()), Json{{"error", err}});
}

Response JsonResponse(unsigned status, const Json& body) {
  return RawJsonResponse(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Response RawJsonResponse(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Result<Json> ParseJsonBody(const Request& req) {
  if (req.body.empty()) return Err(InvalidArgument("request body is empty; send a JSON object"));
  Json j = Json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return Err(InvalidArgument("request body is not valid JSON"));
  if (!j.is_object()) return Err(InvalidArgument("request body must be a JSON object"));
  return j;
}

}  // namespace suanli::api
