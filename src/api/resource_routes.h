// The five routes every resource kind shares — list, get, create, patch, delete — written
// once over the kind's schema and rules (control/rules.h).
#pragma once

#include <algorithm>

#include "api/context.h"
#include "api/list_query.h"
#include "api/router.h"
#include "control/rules.h"

namespace suanli::api {

struct ResourceRouteOptions {
  bool create = true;
  bool update = true;
  bool remove = true;
};

template <class T>
Response ListResources(ApiContext& ctx, const Request& req, const ListQuery& lq) {
  const auto& schema = control::SchemaOf<T>();
  std::vector<control::Entry<T>> window;
  size_t total = 0;
  const size_t end = lq.offset + lq.limit;
  if (lq.sort.empty()) {
    ctx.registry->ForEach<T>([&](const control::Entry<T>& e) {
      if (!control::CanRead(req.who(), *e.obj) || !MatchesFilters(schema, lq, *e.obj)) return;
      if (total >= lq.offset && total < end) window.push_back(e);
      ++total;
    });
    if (lq.descending) std::reverse(window.begin(), window.end());
  } else {
    std::vector<control::Entry<T>> all;
    ctx.registry->ForEach<T>([&](const control::Entry<T>& e) {
      if (control::CanRead(req.who(), *e.obj) && MatchesFilters(schema, lq, *e.obj))
        all.push_back(e);
    });
    total = all.size();
    const auto* f = schema.Find(lq.sort);
    auto less = [&](const control::Entry<T>& a, const control::Entry<T>& b) {
      if (f->sort_number) {
        double x = f->sort_number(*a.obj), y = f->sort_number(*b.obj);
        if (x != y) return lq.descending ? x > y : x < y;
      } else {
        auto x = f->filter_keys(*a.obj), y = f->filter_keys(*b.obj);
        if (x != y) return lq.descending ? x > y : x < y;
      }
      return a.obj->id < b.obj->id;
    };
    size_t stop = std::min(end, all.size());
    if (lq.offset < stop) {
      std::partial_sort(all.begin(), all.begin() + stop, all.end(), less);
      window.assign(all.begin() + lq.offset, all.begin() + stop);
    }
  }
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < window.size(); ++i) {
    if (i) body += ',';
    body += *window[i].json;
  }
  body += "],\"total\":" + std::to_string(total) + ",\"offset\":" + std::to_string(lq.offset) +
          ",\"limit\":" + std::to_string(lq.limit) + ",\"next_offset\":" +
          (end < total ? std::to_string(end) : "null") + "}";
  return RawJsonResponse(200, std::move(body));
}

// Compares a client's expected version (body "version" or If-Match) with the current one.
Status CheckVersion(const Request& req, Json* body, int64_t current);

template <class T>
void AddResourceRoutes(Router& router, ApiContext& ctx, ResourceRouteOptions opt = {}) {
  const auto& schema = control::SchemaOf<T>();
  const std::string base = "/api/v1/" + schema.plural;
  const std::string item = base + "/{id}";
  const Json out_schema = {{"$ref", "#/components/schemas/" + schema.kind}};
  const Json in_schema = {{"$ref", "#/components/schemas/" + schema.kind + "_input"}};
  const Json list_schema = {
      {"type", "object"},
      {"properties",
       {{"items", {{"type", "array"}, {"items", out_schema}}},
        {"total", {{"type", "integer"}}},
        {"offset", {{"type", "integer"}}},
        {"limit", {{"type", "integer"}}},
        {"next_offset", {{"type", {"integer", "null"}}}}}}};

  router.Add(Verb::get, base, true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        auto lq = ParseListQuery(control::SchemaOf<T>(), req.query);
        if (!lq) co_return ErrorResponse(lq.error());
        co_return ListResources<T>(ctx, req, *lq);
      },
      {"List " + schema.plural, schema.plural, nullptr, list_schema, 200, ListQueryDocs(schema)});

  router.Add(Verb::get, item, true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        auto e = ctx.registry->Get<T>(req.params["id"]);
        if (!e || !control::CanRead(req.who(), *e->obj))
          co_return ErrorResponse(NotFound("no " + control::SchemaOf<T>().kind + " " + req.params["id"]));
        co_return RawJsonResponse(200, *e->json);
      },
      {"Get one " + schema.kind, schema.plural, nullptr, out_schema, 200, {}});

  if (opt.create) {
    router.Add(Verb::post, base, true,
        [&ctx](Request& req) -> asio::awaitable<Response> {
          auto body = ParseJsonBody(req);
          if (!body) co_return ErrorResponse(body.error());
          T obj;
          Status s = domain::Decode(control::SchemaOf<T>(), *body, &obj, domain::DecodeMode::kCreate);
          if (!s.ok()) co_return ErrorResponse(s);
          std::shared_ptr<const T> created;
          const auto& p = req.who();
          s = co_await AsyncWrite(*ctx.registry, p.ToActor(req.request_id),
                                  [&](control::Txn& txn) -> Status {
                                    SUANLI_RETURN_IF_ERROR(control::PrepareCreate(txn, p, obj));
                                    created = txn.Put(obj, "create");
                                    return OkStatus();
                                  });
          if (!s.ok()) co_return ErrorResponse(s);
          co_return JsonResponse(201, domain::Encode(control::SchemaOf<T>(), *created));
        },
        {"Create a " + schema.kind, schema.plural, in_schema, out_schema, 201, {}});
  }

  if (opt.update) {
    router.Add(Verb::patch, item, true,
        [&ctx](Request& req) -> asio::awaitable<Response> {
          auto body = ParseJsonBody(req);
          if (!body) co_return ErrorResponse(body.error());
          const auto& p = req.who();
          const std::string id = req.params["id"];
          std::shared_ptr<const T> updated;
          Status s = co_await AsyncWrite(
              *ctx.registry, p.ToActor(req.request_id), [&](control::Txn& txn) -> Status {
                auto before = txn.Get<T>(id);
                if (!before || !control::CanRead(p, *before))
                  return NotFound("no " + control::SchemaOf<T>().kind + " " + id);
                Json patch = *body;
                SUANLI_RETURN_IF_ERROR(CheckVersion(req, &patch, before->version));
                T after = *before;
                SUANLI_RETURN_IF_ERROR(domain::Decode(control::SchemaOf<T>(), patch, &after,
                                                      domain::DecodeMode::kPatch));
                SUANLI_RETURN_IF_ERROR(control::PrepareUpdate(txn, p, *before, after));
                updated = txn.Put(std::move(after), "update");
                return OkStatus();
              });
          if (!s.ok()) co_return ErrorResponse(s);
          co_return JsonResponse(200, domain::Encode(control::SchemaOf<T>(), *updated));
        },
        {"Change a " + schema.kind + " (JSON merge of the given fields; send \"version\" to "
         "detect conflicting updates)", schema.plural, in_schema, out_schema, 200, {}});
  }

  if (opt.remove) {
    router.Add(Verb::delete_, item, true,
        [&ctx](Request& req) -> asio::awaitable<Response> {
          const auto& p = req.who();
          const std::string id = req.params["id"];
          Status s = co_await AsyncWrite(
              *ctx.registry, p.ToActor(req.request_id), [&](control::Txn& txn) -> Status {
                auto before = txn.Get<T>(id);
                if (!before || !control::CanRead(p, *before))
                  return NotFound("no " + control::SchemaOf<T>().kind + " " + id);
                if (!req.if_match.empty() && req.if_match != std::to_string(before->version))
                  return Aborted("version is " + std::to_string(before->version) + ", not " +
                                 req.if_match + ": someone changed it; read it again");
                SUANLI_RETURN_IF_ERROR(control::PrepareDelete(txn, p, *before));
                txn.Delete<T>(id);
                return OkStatus();
              });
          if (!s.ok()) co_return ErrorResponse(s);
          Response r;
          r.status = 204;
          co_return r;
        },
        {"Delete a " + schema.kind, schema.plural, nullptr, nullptr, 204, {}});
  }
}

}  // namespace suanli::api
