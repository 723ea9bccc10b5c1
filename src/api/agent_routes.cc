#include "api/agent_routes.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>

#include "control/rules.h"
#include "exec/effective_compute.h"
#include "exec/execution_service.h"

namespace suanli::api {

namespace {

Status NoExecution() { return Unavailable("this server runs no execution service"); }

Result<int64_t> QueryInt(const Request& req, const char* name, int64_t dflt, int64_t lo, int64_t hi) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return dflt;
  try {
    size_t used = 0;
    int64_t v = std::stoll(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument(name);
    if (v < lo || v > hi)
      return Err(InvalidArgument("must be between " + std::to_string(lo) + " and " +
                                     std::to_string(hi), name));
    return v;
  } catch (const std::exception&) {
    return Err(InvalidArgument("must be an integer", name));
  }
}

const Json kTaskKeySchema = {{"type", "object"},
                             {"properties",
                              {{"job_id", {{"type", "string"}}},
                               {"task", {{"type", "integer"}}},
                               {"attempt", {{"type", "integer"}}}}}};

}  // namespace

void AddAgentRoutes(Router& router, ApiContext& ctx) {
  auto reg = [&ctx](Request& req) -> asio::awaitable<Response> {
    if (!ctx.exec) co_return ErrorResponse(NoExecution());
    auto body = ParseJsonBody(req);
    if (!body) co_return ErrorResponse(body.error());
    auto parsed = exec::RegisterRequestFromJson(*body);
    if (!parsed) co_return ErrorResponse(parsed.error());
    auto node_id = std::make_shared<std::string>();
    const auto& p = req.who();
    auto request = std::make_shared<exec::RegisterRequest>(std::move(*parsed));
    // Capture by reference only: GCC 12 destroys a temporary in a co_await expression twice
    // (see AsyncWrite), which is harmless only for a lambda without owning captures.
    Status s = co_await AsyncWrite(*ctx.registry, p.ToActor(req.request_id),
                                   [&](control::Txn& txn) {
                                     return ctx.exec->Register(txn, p, *request, node_id.get());
                                   });
    if (!s.ok()) co_return ErrorResponse(s);
    exec::RegisterReply reply{*node_id, ctx.exec->options().heartbeat_ms,
                              ctx.exec->options().node_timeout_ms};
    co_return JsonResponse(200, exec::ToJson(reply));
  };
  router.Add(Verb::post, "/api/v1/agent/register", true, reg,
             {"Register the calling agent's machine as a node of its pool (creates or updates it "
              "from the reported inventory)",
              "agent",
              {{"type", "object"},
               {"required", {"inventory"}},
               {"properties",
                {{"pool_id", {{"type", "string"}}},
                 {"inventory",
                  {{"type", "object"},
                   {"required", {"name", "cpu_cores", "memory_gib"}},
                   {"properties",
                    {{"name", {{"type", "string"}}},
                     {"cpu_cores", {{"type", "integer"}}},
                     {"memory_gib", {{"type", "integer"}}},
                     {"cpu_model", {{"type", "string"}}},
                     {"supernode", {{"type", "string"}}},
                     {"labels", {{"type", "object"}}},
                     {"accelerators", {{"type", "array"}}}}}}}}}},
              {{"type", "object"},
               {"properties",
                {{"node_id", {{"type", "string"}}},
                 {"heartbeat_ms", {{"type", "integer"}}},
                 {"node_timeout_ms", {{"type", "integer"}}}}}},
              200,
              {}});

  auto sync = [&ctx](Request& req) -> asio::awaitable<Response> {
    if (!ctx.exec) co_return ErrorResponse(NoExecution());
    auto body = ParseJsonBody(req);
    if (!body) co_return ErrorResponse(body.error());
    auto parsed = exec::SyncRequestFromJson(*body);
    if (!parsed) co_return ErrorResponse(parsed.error());
    auto request = std::make_shared<exec::SyncRequest>(std::move(*parsed));
    const auto& p = req.who();
    Status s = ctx.exec->Heartbeat(p, request->node_id);
    if (!s.ok()) co_return ErrorResponse(s);
    auto held = ctx.exec->AppendLogs(request->logs);
    if (ctx.exec->ReportsChangeAnything(*request)) {
      s = co_await AsyncWrite(*ctx.registry, p.ToActor(req.request_id),
                              [&](control::Txn& txn) { return ctx.exec->ApplyReports(txn, *request); });
      if (!s.ok()) co_return ErrorResponse(s);
    }
    // Long poll: while there is nothing to do, wait for the node's work to change.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(request->wait_ms);
    exec::SyncReply reply = ctx.exec->Plan(*request);
    const uint64_t gen = ctx.exec->generation();
    if (reply.assign.empty() && reply.kill.empty() && request->wait_ms > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      while (std::chrono::steady_clock::now() < deadline && ctx.exec->generation() == gen) {
        timer.expires_after(std::chrono::milliseconds(50));
        co_await timer.async_wait(asio::use_awaitable);
      }
      if (ctx.exec->generation() != gen) reply = ctx.exec->Plan(*request);
      (void)ctx.exec->Heartbeat(p, request->node_id);
    }
    for (const auto& [k, v] : held) reply.log_offsets[k] = v;
    co_return JsonResponse(200, exec::ToJson(reply));
  };
  router.Add(Verb::post, "/api/v1/agent/sync", true, sync,
             {"Agent heartbeat: report tasks, device faults and output; receive the tasks to run "
              "and kill (long poll up to wait_ms)",
              "agent",
              {{"type", "object"},
               {"required", {"node_id"}},
               {"properties",
                {{"node_id", {{"type", "string"}}},
                 {"wait_ms", {{"type", "integer"}, {"maximum", 60000}}},
                 {"tasks", {{"type", "array"}, {"items", kTaskKeySchema}}},
                 {"faults", {{"type", "array"}}},
                 {"logs", {{"type", "array"}}}}}},
              {{"type", "object"},
               {"properties",
                {{"assign", {{"type", "array"}}},
                 {"kill", {{"type", "array"}, {"items", kTaskKeySchema}}},
                 {"log_offsets", {{"type", "object"}}}}}},
              200,
              {}});

  router.Add(
      Verb::get, "/api/v1/effective-compute", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        const auto& p = req.who();
        auto it = req.query.find("group_by");
        const std::string group_by = it == req.query.end() ? "" : it->second;
        auto rows = exec::EffectiveCompute(
            *ctx.registry, ctx.registry->clock().Now(), group_by,
            [&](const domain::Node& n) { return control::CanRead(p, n); });
        if (!rows) co_return ErrorResponse(rows.error());
        Json items = Json::array();
        exec::ComputeTime total;
        for (const auto& [key, t] : *rows) {
          items.push_back({{"key", key},
                           {"nodes", t.nodes},
                           {"units", t.units},
                           {"nominal_unit_hours", t.nominal_h},
                           {"allocated_unit_hours", t.allocated_h},
                           {"useful_unit_hours", t.useful_h},
                           {"lost_unit_hours", t.lost_h},
                           {"effective_pct", t.EffectivePct()},
                           {"useful_of_allocated_pct", t.UsefulOfAllocatedPct()}});
          total.nodes += t.nodes;
          total.units += t.units;
          total.nominal_h += t.nominal_h;
          total.allocated_h += t.allocated_h;
          total.useful_h += t.useful_h;
          total.lost_h += t.lost_h;
        }
        co_return JsonResponse(200, {{"group_by", group_by},
                                     {"items", items},
                                     {"total",
                                      {{"nodes", total.nodes},
                                       {"units", total.units},
                                       {"nominal_unit_hours", total.nominal_h},
                                       {"allocated_unit_hours", total.allocated_h},
                                       {"useful_unit_hours", total.useful_h},
                                       {"lost_unit_hours", total.lost_h},
                                       {"effective_pct", total.EffectivePct()},
                                       {"useful_of_allocated_pct", total.UsefulOfAllocatedPct()}}}});
      },
      {"Effective compute (有效算力): nominal, allocated and useful device-hours (core-hours for "
       "CPU-only nodes) of the nodes you may see, by node, pool, site, org (provider), vendor, "
       "province or tier",
       "nodes",
       nullptr,
       {{"type", "object"},
        {"properties",
         {{"group_by", {{"type", "string"}}},
          {"items", {{"type", "array"}}},
          {"total", {{"type", "object"}}}}}},
       200,
       {{"group_by", {{"type", "string"}, {"enum", exec::kComputeGroupBy}}}}});

  router.Add(
      Verb::get, "/api/v1/jobs/{id}/logs", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        if (!ctx.exec) co_return ErrorResponse(NoExecution());
        auto e = ctx.registry->Get<domain::Job>(req.params["id"]);
        if (!e || !control::CanRead(req.who(), *e->obj))
          co_return ErrorResponse(NotFound("no such job", "id"));
        const domain::Job& j = *e->obj;
        auto task = QueryInt(req, "task", 0, 0, std::max(0, j.tasks - 1));
        if (!task) co_return ErrorResponse(task.error());
        auto attempt = QueryInt(req, "attempt", j.restart_count, 0, j.restart_count);
        if (!attempt) co_return ErrorResponse(attempt.error());
        auto offset = QueryInt(req, "offset", 0, 0, INT64_MAX / 2);
        if (!offset) co_return ErrorResponse(offset.error());
        auto limit = QueryInt(req, "limit", 64 * 1024, 1, 1024 * 1024);
        if (!limit) co_return ErrorResponse(limit.error());
        exec::TaskKey key{j.id, static_cast<int>(*task), static_cast<int>(*attempt)};
        auto r = ctx.exec->logs().Read(key, *offset, *limit);
        if (!r) co_return ErrorResponse(r.error());
        const bool ended = j.state == "succeeded" || j.state == "failed" || j.state == "cancelled";
        const Json out = {{"job_id", j.id},
                                     {"task", key.task},
                                     {"attempt", key.attempt},
                                     {"offset", *offset},
                                     {"data", r->data},
                                     {"next_offset", r->next_offset},
                                     {"size", r->size},
                                     {"job_state", j.state},
                                     {"eof", ended && r->next_offset >= r->size}};
        co_return RawJsonResponse(200, out.dump(-1, ' ', false, Json::error_handler_t::replace));
      },
      {"Output of one task of a job (stdout and stderr), from a byte offset",
       "jobs",
       nullptr,
       {{"type", "object"},
        {"properties",
         {{"data", {{"type", "string"}}},
          {"next_offset", {{"type", "integer"}}},
          {"size", {{"type", "integer"}}},
          {"job_state", {{"type", "string"}}},
          {"eof", {{"type", "boolean"}}}}}},
       200,
       {{"task", {{"type", "integer"}}},
        {"attempt", {{"type", "integer"}}},
        {"offset", {{"type", "integer"}}},
        {"limit", {{"type", "integer"}}}}});
}

}  // namespace suanli::api
