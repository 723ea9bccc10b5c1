// Routes that are not plain resource CRUD: health, metrics, the OpenAPI document, the caller's
// identity, token creation (the secret is shown once), job cancellation, capacity roll-ups and
// the audit trail.
#include "api/api.h"
#include "api/list_query.h"
#include "api/resource_routes.h"
#include "domain/capacity.h"
#include "exec/effective_compute.h"

namespace suanli::api {

using namespace domain;

namespace {

Json CapacityJson(const Capacity& c) {
  return {{"nodes", c.nodes},
          {"nodes_ready", c.nodes_ready},
          {"cpu_cores", c.cpu_cores},
          {"memory_gib", c.memory_gib},
          {"accelerators", c.accelerators},
          {"ai_pflops_fp16", c.ai_pflops_fp16},
          {"hpc_pflops_fp64", c.hpc_pflops_fp64},
          {"accelerators_by_vendor", c.accelerators_by_vendor}};
}

const std::vector<std::string> kGroupBy = {"", "province", "city", "tier", "kind", "vendor",
                                           "org", "site", "pool"};

// Capacity of every node, grouped by `group_by` ("" = one total).
Result<Json> Rollup(const control::Registry& reg, const std::string& group_by) {
  if (std::find(kGroupBy.begin(), kGroupBy.end(), group_by) == kGroupBy.end())
    return Err(InvalidArgument("must be one of province, city, tier, kind, vendor, org, site, pool",
                               "group_by"));
  std::map<std::string, Accelerator> accs;
  reg.ForEach<Accelerator>([&](const control::Entry<Accelerator>& e) { accs[e.obj->id] = *e.obj; });
  std::map<std::string, std::shared_ptr<const Pool>> pools;
  reg.ForEach<Pool>([&](const control::Entry<Pool>& e) { pools[e.obj->id] = e.obj; });
  std::map<std::string, std::shared_ptr<const Site>> sites;
  reg.ForEach<Site>([&](const control::Entry<Site>& e) { sites[e.obj->id] = e.obj; });
  AcceleratorLookup lookup = [&](const std::string& m) -> const Accelerator* {
    auto it = accs.find(m);
    return it == accs.end() ? nullptr : &it->second;
  };
  std::map<std::string, Capacity> groups;
  Capacity total;
  reg.ForEach<Node>([&](const control::Entry<Node>& e) {
    const Node& n = *e.obj;
    auto pit = pools.find(n.pool_id);
    std::string kind = pit == pools.end() ? "" : pit->second->kind;
    Capacity c = NodeCapacity(n, kind, lookup);
    total.Add(c);
    if (group_by.empty()) return;
    auto sit = sites.find(n.site_id);
    const Site* site = sit == sites.end() ? nullptr : sit->second.get();
    if (group_by == "vendor") {
      for (const auto& a : n.accelerators) {
        const Accelerator* spec = lookup(a.model);
        Node part = n;
        part.accelerators = {a};
        part.cpu_cores = 0;
        part.memory_gib = 0;
        groups[spec ? spec->vendor : "unknown"].Add(NodeCapacity(part, kind, lookup));
      }
      if (n.accelerators.empty()) groups["cpu"].Add(c);
      return;
    }
    std::string key = group_by == "province" ? (site ? site->province : "")
                    : group_by == "city"     ? (site ? site->city : "")
                    : group_by == "tier"     ? (site ? site->tier : "")
                    : group_by == "kind"     ? kind
                    : group_by == "org"      ? n.org_id
                    : group_by == "site"     ? n.site_id
                                             : n.pool_id;
    groups[key].Add(c);
  });
  Json out = {{"total", CapacityJson(total)}};
  if (!group_by.empty()) {
    out["group_by"] = group_by;
    Json g = Json::array();
    for (const auto& [k, c] : groups) {
      Json row = CapacityJson(c);
      row["key"] = k;
      g.push_back(row);
    }
    out["groups"] = g;
  }
  return out;
}

Json PrincipalJson(const control::Principal& p) {
  return {{"user_id", p.user_id},   {"user_name", p.user_name}, {"org_id", p.org_id},
          {"role", p.user_role},    {"org_roles", p.org_roles}, {"token_id", p.token_id},
          {"pool_scope", p.pool_scope}};
}

Json AuditJson(const store::AuditEntry& a) {
  Json j = {{"seq", a.seq},
            {"at", FormatTimestamp({a.at_ms})},
            {"actor_user_id", a.actor_user_id},
            {"actor_org_id", a.actor_org_id},
            {"action", a.action},
            {"kind", a.kind},
            {"object_id", a.object_id},
            {"request_id", a.request_id}};
  j["before"] = a.before.empty() ? Json() : Json::parse(a.before, nullptr, false);
  j["after"] = a.after.empty() ? Json() : Json::parse(a.after, nullptr, false);
  return j;
}

}  // namespace

Result<size_t> ParseCount(const std::string& name, const std::string& value, size_t max) {
  if (value.empty() || value.size() > 18 ||
      value.find_first_not_of("0123456789") != std::string::npos)
    return Err(InvalidArgument("must be a non-negative integer", name));
  size_t n = std::stoull(value);
  if (n > max) return Err(InvalidArgument("must be at most " + std::to_string(max), name));
  return n;
}

void Api::AddPlatformRoutes() {
  ApiContext& ctx = ctx_;
  router_.Add(Verb::get, "/healthz", false,
      [](Request&) -> asio::awaitable<Response> {
        co_return JsonResponse(200, {{"status", "ok"}});
      },
      {"Liveness and readiness", "platform", nullptr,
       {{"type", "object"}, {"properties", {{"status", {{"type", "string"}}}}}}, 200, {}});

  router_.Add(Verb::get, "/metrics", false,
      [this](Request&) -> asio::awaitable<Response> {
        Response r;
        r.content_type = "text/plain; version=0.0.4";
        r.body = Metrics();
        co_return r;
      },
      {"Prometheus metrics", "platform", nullptr, {{"type", "string"}}, 200, {}});

  router_.Add(Verb::get, "/api/v1/openapi.json", false,
      [this](Request&) -> asio::awaitable<Response> { co_return JsonResponse(200, openapi_); },
      {"This OpenAPI document", "platform", nullptr, {{"type", "object"}}, 200, {}});

  router_.Add(Verb::get, "/api/v1/me", true,
      [](Request& req) -> asio::awaitable<Response> {
        co_return JsonResponse(200, PrincipalJson(req.who()));
      },
      {"Who the token acts as", "platform", nullptr, {{"type", "object"}}, 200, {}});

  const Json token_created = {
      {"type", "object"},
      {"properties",
       {{"token", {{"$ref", "#/components/schemas/token"}}},
        {"secret", {{"type", "string"}, {"description", "shown only now; store it safely"}}}}}};
  router_.Add(Verb::post, "/api/v1/tokens", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        auto body = ParseJsonBody(req);
        if (!body) co_return ErrorResponse(body.error());
        Token t;
        Status s = Decode(TokenSchema(), *body, &t, DecodeMode::kCreate);
        if (!s.ok()) co_return ErrorResponse(s);
        std::string secret = control::NewTokenSecret(ctx.registry->ids());
        t.prefix = secret.substr(0, 8);
        t.hash = ctx.hasher->Hash(secret);
        std::shared_ptr<const Token> created;
        const auto& p = req.who();
        s = co_await AsyncWrite(*ctx.registry, p.ToActor(req.request_id),
                                [&](control::Txn& txn) -> Status {
                                  SUANLI_RETURN_IF_ERROR(control::PrepareCreate(txn, p, t));
                                  created = txn.Put(t, "create");
                                  return OkStatus();
                                });
        if (!s.ok()) co_return ErrorResponse(s);
        co_return JsonResponse(201, {{"token", Encode(TokenSchema(), *created)}, {"secret", secret}});
      },
      {"Create an API token (the secret is returned once)", "tokens",
       {{"$ref", "#/components/schemas/token_input"}}, token_created, 201, {}});

  auto cancel = [&ctx](Request& req) -> asio::awaitable<Response> {
    std::string reason;
    if (!req.body.empty()) {
      auto body = ParseJsonBody(req);
      if (!body) co_return ErrorResponse(body.error());
      for (auto it = body->begin(); it != body->end(); ++it)
        if (it.key() != "reason") co_return ErrorResponse(InvalidArgument("unknown field", it.key()));
      if (body->contains("reason")) {
        Status s = field::CheckString((*body)["reason"], "reason", 1, 500);
        if (!s.ok()) co_return ErrorResponse(s);
        reason = (*body)["reason"].get<std::string>();
      }
    }
    std::shared_ptr<const Job> job;
    const auto& p = req.who();
    Status s = co_await AsyncWrite(*ctx.registry, p.ToActor(req.request_id),
                                   [&](control::Txn& txn) {
                                     return control::CancelJob(txn, p, req.params["id"], reason, &job);
                                   });
    if (!s.ok()) co_return ErrorResponse(s);
    co_return JsonResponse(200, Encode(JobSchema(), *job));
  };
  const Json job_ref = {{"$ref", "#/components/schemas/job"}};
  const Json cancel_body = {{"type", "object"},
                            {"properties", {{"reason", {{"type", "string"}}}}},
                            {"additionalProperties", false}};
  router_.Add(Verb::post, "/api/v1/jobs/{id}/cancel", true, cancel,
              {"Cancel a job", "jobs", cancel_body, job_ref, 200, {}});
  router_.Add(Verb::delete_, "/api/v1/jobs/{id}", true, cancel,
              {"Cancel a job (jobs are kept on record, not deleted)", "jobs", nullptr, job_ref, 200,
               {}});

  router_.Add(Verb::get, "/api/v1/capacity", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        for (const auto& [k, v] : req.query)
          if (k != "group_by") co_return ErrorResponse(InvalidArgument("unknown parameter", k));
        auto it = req.query.find("group_by");
        auto r = Rollup(*ctx.registry, it == req.query.end() ? "" : it->second);
        if (!r) co_return ErrorResponse(r.error());
        co_return JsonResponse(200, *r);
      },
      {"Capacity in cores and PFLOPS (AI: FP16 dense; HPC: FP64), optionally grouped", "platform",
       nullptr, {{"type", "object"}}, 200,
       {{"group_by", {{"type", "string"}, {"enum", kGroupBy}}}}});

  router_.Add(Verb::get, "/api/v1/audit", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        store::AuditQuery q;
        for (const auto& [k, v] : req.query) {
          if (k == "kind") q.kind = v;
          else if (k == "object_id") q.object_id = v;
          else if (k == "org_id") q.org_id = v;
          else if (k == "after_seq") {
            auto n = ParseCount(k, v, INT64_MAX);
            if (!n) co_return ErrorResponse(n.error());
            q.after_seq = static_cast<int64_t>(*n);
          } else if (k == "limit") {
            auto n = ParseCount(k, v, kMaxListLimit);
            if (!n) co_return ErrorResponse(n.error());
            q.limit = static_cast<int>(*n);
          } else {
            co_return ErrorResponse(InvalidArgument("unknown parameter", k));
          }
        }
        const auto& p = req.who();
        if (!p.IsOperator() && !p.IsRegulator()) {
          if (!p.IsAdmin()) co_return ErrorResponse(PermissionDenied("audit needs an admin"));
          if (!q.org_id.empty() && q.org_id != p.org_id)
            co_return ErrorResponse(PermissionDenied("you see only your organisation's audit"));
          q.org_id = p.org_id;
        }
        auto entries = ctx.registry->store().ListAudit(q);
        if (!entries) co_return ErrorResponse(entries.error());
        Json items = Json::array();
        for (const auto& a : *entries) items.push_back(AuditJson(a));
        co_return JsonResponse(200, {{"items", items},
                                     {"next_after_seq", entries->empty() ? Json() : Json(entries->back().seq)}});
      },
      {"The audit trail: who changed what, when, before and after", "audit", nullptr,
       {{"type", "object"}}, 200,
       {{"kind", {{"type", "string"}}}, {"object_id", {{"type", "string"}}},
        {"org_id", {{"type", "string"}}}, {"after_seq", {{"type", "integer"}}},
        {"limit", {{"type", "integer"}, {"maximum", 1000}}}}});
}

std::string Api::Metrics() const {
  std::string out = metrics_->Render();
  std::map<std::string, int64_t> node_states, job_states;
  for (const auto& s : kNodeStates) node_states[s] = 0;
  for (const auto& s : kJobStates) job_states[s] = 0;
  ctx_.registry->ForEach<Node>([&](const control::Entry<Node>& e) { ++node_states[e.obj->state]; });
  ctx_.registry->ForEach<Job>([&](const control::Entry<Job>& e) { ++job_states[e.obj->state]; });
  out += "# HELP suanli_nodes Nodes by state.\n# TYPE suanli_nodes gauge\n";
  for (const auto& [s, n] : node_states)
    out += "suanli_nodes{state=\"" + s + "\"} " + std::to_string(n) + "\n";
  out += "# HELP suanli_jobs Jobs by state.\n# TYPE suanli_jobs gauge\n";
  for (const auto& [s, n] : job_states)
    out += "suanli_jobs{state=\"" + s + "\"} " + std::to_string(n) + "\n";
  auto cap = Rollup(*ctx_.registry, "");
  if (cap) {
    const Json& t = (*cap)["total"];
    out += "# HELP suanli_capacity_cpu_cores CPU cores in all pools.\n"
           "# TYPE suanli_capacity_cpu_cores gauge\nsuanli_capacity_cpu_cores " +
           std::to_string(t["cpu_cores"].get<int64_t>()) + "\n";
    out += "# HELP suanli_capacity_accelerators Accelerators in all pools.\n"
           "# TYPE suanli_capacity_accelerators gauge\nsuanli_capacity_accelerators " +
           std::to_string(t["accelerators"].get<int64_t>()) + "\n";
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "# HELP suanli_capacity_ai_pflops AI capacity, FP16 dense PFLOPS.\n"
                  "# TYPE suanli_capacity_ai_pflops gauge\nsuanli_capacity_ai_pflops %.3f\n"
                  "# HELP suanli_capacity_hpc_pflops HPC capacity, FP64 PFLOPS.\n"
                  "# TYPE suanli_capacity_hpc_pflops gauge\nsuanli_capacity_hpc_pflops %.3f\n",
                  t["ai_pflops_fp16"].get<double>(), t["hpc_pflops_fp64"].get<double>());
    out += buf;
  }
  // Effective compute per provider (org) and in total.
  if (auto ec = exec::EffectiveCompute(*ctx_.registry, ctx_.registry->clock().Now(), "org",
                                       [](const Node&) { return true; })) {
    out += "# HELP suanli_compute_unit_hours Device-hours (core-hours for CPU-only nodes) by kind: "
           "nominal, allocated, useful.\n# TYPE suanli_compute_unit_hours gauge\n";
    double nominal = 0, useful = 0;
    for (const auto& [org, t] : *ec) {
      char line[512];
      std::snprintf(line, sizeof line,
                    "suanli_compute_unit_hours{org=\"%s\",kind=\"nominal\"} %.3f\n"
                    "suanli_compute_unit_hours{org=\"%s\",kind=\"allocated\"} %.3f\n"
                    "suanli_compute_unit_hours{org=\"%s\",kind=\"useful\"} %.3f\n",
                    org.c_str(), t.nominal_h, org.c_str(), t.allocated_h, org.c_str(), t.useful_h);
      out += line;
      nominal += t.nominal_h;
      useful += t.useful_h;
    }
    char ratio[256];
    std::snprintf(ratio, sizeof ratio,
                  "# HELP suanli_effective_compute_ratio Useful over nominal device-time.\n"
                  "# TYPE suanli_effective_compute_ratio gauge\nsuanli_effective_compute_ratio %.6f\n",
                  nominal > 0 ? useful / nominal : 0.0);
    out += ratio;
  }
  out += "# HELP suanli_store_commits_total Durable store transactions (group commits).\n"
         "# TYPE suanli_store_commits_total counter\nsuanli_store_commits_total " +
         std::to_string(ctx_.registry->committer().commits()) + "\n";
  out += "# HELP suanli_store_batches_total Writes made durable.\n"
         "# TYPE suanli_store_batches_total counter\nsuanli_store_batches_total " +
         std::to_string(ctx_.registry->committer().batches()) + "\n";
  return out;
}

}  // namespace suanli::api
