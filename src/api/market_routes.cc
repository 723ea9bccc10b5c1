#include "api/market_routes.h"

#include <cmath>
#include <cstdlib>

#include "api/list_query.h"
#include "ledger/ledger.h"
#include "ledger/vouchers.h"
#include "market/from_records.h"
#include "market/matcher.h"

namespace suanli::api {

using namespace domain;

namespace {

// The market as the registry has it now. Rebuilt per request: O(offers + nodes + open jobs
// under offers); a city network answers in about a millisecond.
std::shared_ptr<const market::OfferIndex> BuildIndex(const control::Registry& reg) {
  market::Records rec;
  reg.ForEach<Site>([&](const control::Entry<Site>& e) { rec.sites.push_back(*e.obj); });
  reg.ForEach<Node>([&](const control::Entry<Node>& e) {
    Node n;
    n.pool_id = e.obj->pool_id;
    n.state = e.obj->state;
    rec.nodes.push_back(std::move(n));
  });
  reg.ForEach<Offer>([&](const control::Entry<Offer>& e) {
    if (e.obj->state == "active") rec.offers.push_back(*e.obj);
  });
  reg.ForEach<Job>([&](const control::Entry<Job>& e) {
    if (!e.obj->offer_id.empty() && !JobFinished(e.obj->state)) rec.jobs.push_back(*e.obj);
  });
  reg.ForEach<Org>([&](const control::Entry<Org>& e) {
    Org o;
    o.id = e.obj->id;
    o.group = e.obj->group;
    rec.orgs.push_back(std::move(o));
  });
  std::vector<Accelerator> accs;
  reg.ForEach<Accelerator>([&](const control::Entry<Accelerator>& e) { accs.push_back(*e.obj); });
  return market::OfferIndex::Build(market::SupplyFromRecords(rec, reg.clock().Now()), accs);
}

Result<double> ParseNumber(const std::string& name, const std::string& v, double lo, double hi) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d) || d < lo || d > hi)
    return Err(InvalidArgument("must be a number in " + std::to_string(lo) + ".." +
                                   std::to_string(hi), name));
  return d;
}

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= v.size()) {
    size_t j = v.find(',', i);
    if (j == std::string::npos) j = v.size();
    if (j > i) out.push_back(v.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

const std::vector<std::pair<std::string, market::SortKey>> kSorts = {
    {"price", market::SortKey::kPrice},
    {"price_per_pflops", market::SortKey::kPricePerPflops},
    {"reliability", market::SortKey::kReliability},
    {"distance", market::SortKey::kDistance},
    {"speed", market::SortKey::kSpeed},
    {"id", market::SortKey::kId}};

Result<market::SearchQuery> ParseSearch(const Request& req) {
  market::SearchQuery q;
  for (const auto& [k, v] : req.query) {
    bool dim = false;
    for (int d = 0; d < market::kDims; ++d) {
      if (k != market::DimName(d)) continue;
      q.any_of[d] = SplitList(v);
      dim = true;
    }
    if (dim) continue;
    auto count = [&](int64_t* out, size_t max) -> Status {
      auto n = ParseCount(k, v, max);
      if (!n) return n.error();
      *out = static_cast<int64_t>(*n);
      return OkStatus();
    };
    auto number = [&](double* out, double lo, double hi) -> Status {
      auto n = ParseNumber(k, v, lo, hi);
      if (!n) return n.error();
      *out = *n;
      return OkStatus();
    };
    Status s;
    int64_t n = 0;
    if (k == "min_count" || k == "max_count") {
      s = count(&n, 64);
      (k == "min_count" ? q.min_count : q.max_count) = static_cast<int>(n);
    } else if (k == "min_price_fen") {
      s = count(&q.min_price_fen, 1'000'000'000);
    } else if (k == "max_price_fen") {
      s = count(&q.max_price_fen, 1'000'000'000);
    } else if (k == "min_memory_gib") {
      s = number(&q.min_memory_gib, 0, 4096);
    } else if (k == "min_reliability") {
      s = number(&q.min_reliability, 0, 1);
    } else if (k == "max_latency_ms") {
      s = number(&q.max_latency_ms, 0, 1000);
    } else if (k == "buyer_city") {
      q.buyer_city = v;
    } else if (k == "available_at") {
      if (!ParseTimestamp(v, &q.available_at)) s = InvalidArgument("RFC 3339 time", k);
    } else if (k == "workload") {
      auto w = market::ParseWorkload(v);
      if (w) q.workload = *w; else s = w.error();
    } else if (k == "sort") {
      std::string name = v;
      q.descending = !name.empty() && name[0] == '-';
      if (q.descending) name = name.substr(1);
      auto it = std::find_if(kSorts.begin(), kSorts.end(), [&](const auto& p) { return p.first == name; });
      if (it == kSorts.end())
        s = InvalidArgument("sort by price, price_per_pflops, reliability, distance, speed or id (- for descending)", k);
      else q.sort = it->second;
    } else if (k == "offset" || k == "limit") {
      s = count(&n, k == "limit" ? kMaxListLimit : SIZE_MAX / 4);
      if (s.ok() && k == "limit" && n == 0) s = InvalidArgument("must be between 1 and 1000", k);
      (k == "offset" ? q.offset : q.limit) = static_cast<size_t>(n);
    } else if (k == "facets") {
      if (v != "true" && v != "false") s = InvalidArgument("must be true or false", k);
      q.facets = v == "true";
    } else {
      s = InvalidArgument("unknown parameter", k);
    }
    if (!s.ok()) return Err(s);
  }
  return q;
}

Json OrNull(double v, bool known) { return known ? Json(v) : Json(); }

Json SiteJson(const market::SiteInfo& s) {
  return {{"id", s.id}, {"name", s.name}, {"city", s.city}, {"province", s.province}, {"tier", s.tier}};
}

Json OfferItem(const market::OfferIndex& x, const market::SearchHit& h, market::Workload w) {
  const market::OfferInfo& info = x.offer(h.offer);
  const market::ModelInfo& m = x.model_of(h.offer);
  const auto& col = x.columns();
  Json j = Encode(OfferSchema(), info.offer);
  const bool accel = !m.id.empty();
  const double pflops = x.unit_pflops(h.offer, w);
  j["site"] = SiteJson(x.site(col.site[h.offer]));
  j["vendor"] = accel ? Json(m.vendor) : Json();
  j["ecosystem"] = m.ecosystem;
  j["device_memory_gib"] = OrNull(m.memory_gib, accel);
  j["reliability"] = col.reliability[h.offer];
  j["free_units"] = col.free_units[h.offer];
  j["speed_vs_a100"] = OrNull(m.speed[static_cast<int>(w)].vs_reference, accel && m.speed[static_cast<int>(w)].known);
  j["price_per_pflops_hour_fen"] = OrNull(pflops > 0 ? info.offer.price_fen_per_hour / pflops : 0, pflops > 0);
  j["latency_ms"] = OrNull(h.latency_ms, h.latency_ms >= 0);
  j["network_tier"] = h.latency_ms >= 0 ? Json(std::string(market::NetTierName(h.tier))) : Json();
  return j;
}

// The caller's compute vouchers usable now: approved applications of valid programmes, with
// what is left of the per-company cap and the programme budget.
std::vector<market::Subsidy> SubsidiesOf(ledger::Ledger* l, const std::string& org, Timestamp now) {
  std::vector<market::Subsidy> out;
  if (!l) return out;
  l->WithBook([&](const ledger::Book& b) {
    for (const auto& [id, a] : b.applications()) {
      if (a.buyer != org || a.state != ledger::AppState::kApproved) continue;
      auto it = b.programmes().find(a.programme);
      if (it == b.programmes().end()) continue;
      const ledger::Programme& p = it->second;
      if (now < p.valid_from || now >= p.valid_until) continue;
      const int64_t left = std::min((p.cap_per_company - b.UsedBy(p.id, org, ledger::CstYear(now))).v,
                                    (p.budget - b.Spent(p.id)).v);
      out.push_back({p.id, p.share_bps, left, {p.providers.begin(), p.providers.end()},
                     {p.kinds.begin(), p.kinds.end()}, {p.regions.begin(), p.regions.end()}});
    }
  });
  return out;
}

Json PlanJson(const market::OfferIndex& x, const market::Plan& p, size_t rank, market::Workload w,
              const Json& job_body) {
  Json parts = Json::array(), accept = Json::array();
  for (const auto& part : p.parts) {
    const market::OfferInfo& info = x.offer(part.offer);
    const domain::Offer& o = info.offer;
    const double share = part.cost_fen > 0 ? static_cast<double>(part.subsidy_fen) / part.cost_fen : 0;
    parts.push_back({{"offer_id", o.id},
                     {"offer_name", o.name},
                     {"pool_id", o.pool_id},
                     {"supplier_org_id", o.org_id},
                     {"site", SiteJson(x.site(x.columns().site[part.offer]))},
                     {"accelerator_model", o.accelerator_model},
                     {"billing_mode", o.billing_mode},
                     {"tasks", part.tasks},
                     {"units", part.units},
                     {"price_fen_per_hour", o.price_fen_per_hour},
                     {"price_after_vouchers_fen_per_hour",
                      std::llround(o.price_fen_per_hour * (1 - share))},
                     {"cost_fen", part.cost_fen},
                     {"subsidy_fen", part.subsidy_fen},
                     {"programme", part.programme.empty() ? Json() : Json(part.programme)},
                     {"start", FormatTimestamp(part.start)},
                     {"runtime_s", std::llround(part.runtime_s)},
                     {"latency_ms", OrNull(part.latency_ms, part.latency_ms >= 0)},
                     {"network_tier", part.latency_ms >= 0
                                          ? Json(std::string(market::NetTierName(part.tier)))
                                          : Json()}});
    Json body = job_body;
    body["offer_id"] = o.id;
    body["tasks"] = part.tasks;
    accept.push_back(body);
  }
  return {{"rank", rank},
          {"kind", std::string(market::PlanKindName(p.kind))},
          {"score", p.score},
          {"cost_fen", p.cost_fen},
          {"subsidy_fen", p.subsidy_fen},
          {"cost_after_vouchers_fen", p.cost_fen - p.subsidy_fen},
          {"start", FormatTimestamp(p.start)},
          {"finish", FormatTimestamp(p.finish)},
          {"speed", {{"workload", std::string(market::WorkloadName(w))},
                     {"vs_a100", p.speed_vs_reference},
                     {"known", p.speed_known},
                     {"effective_pflops", p.effective_pflops}}},
          {"reliability", p.reliability},
          {"failover_replicas", p.failover_replicas},
          {"parts", parts},
          {"accept", accept}};
}

const std::vector<std::string> kMatchExtras = {"workload", "allow_split", "service", "max_plans",
                                               "explain"};

Json Str() { return {{"type", "string"}}; }
Json Int() { return {{"type", "integer"}}; }
Json Num() { return {{"type", "number"}}; }
Json Nullable(const char* type) { return {{"type", {type, "null"}}}; }

Json SearchDocs() {
  Json extras = {{"type", "object"},
                 {"properties",
                  {{"site", {{"type", "object"}}},
                   {"vendor", Nullable("string")},
                   {"ecosystem", Str()},
                   {"device_memory_gib", Nullable("number")},
                   {"reliability", Num()},
                   {"free_units", Int()},
                   {"speed_vs_a100", Nullable("number")},
                   {"price_per_pflops_hour_fen", Nullable("number")},
                   {"latency_ms", Nullable("number")},
                   {"network_tier", Nullable("string")}}}};
  return {{"type", "object"},
          {"properties",
           {{"items", {{"type", "array"},
                       {"items", {{"allOf", {{{"$ref", "#/components/schemas/offer"}}, extras}}}}}},
            {"total", Int()},
            {"offset", Int()},
            {"limit", Int()},
            {"next_offset", Nullable("integer")},
            {"facets", {{"type", "object"},
                        {"description", "facet -> value -> offers matching every other filter"},
                        {"additionalProperties",
                         {{"type", "object"}, {"additionalProperties", Int()}}}}}}}};
}

std::vector<std::pair<std::string, Json>> SearchParams() {
  std::vector<std::pair<std::string, Json>> q;
  for (int d = 0; d < market::kDims; ++d)
    q.push_back({market::DimName(d), {{"type", "string"}, {"description", "comma-separated values, any of"}}});
  for (const char* k : {"min_count", "max_count", "min_price_fen", "max_price_fen", "offset"})
    q.push_back({k, Int()});
  q.push_back({"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 20}}});
  for (const char* k : {"min_memory_gib", "min_reliability", "max_latency_ms"}) q.push_back({k, Num()});
  q.push_back({"buyer_city", Str()});
  q.push_back({"available_at", {{"type", "string"}, {"format", "date-time"}}});
  q.push_back({"workload", {{"type", "string"}, {"enum", {"training", "inference", "fp32", "hpc", "cpu"}}}});
  Json sorts = Json::array();
  for (const auto& [name, key] : kSorts) {
    sorts.push_back(name);
    sorts.push_back("-" + name);
  }
  q.push_back({"sort", {{"type", "string"}, {"enum", sorts}}});
  q.push_back({"facets", {{"type", "string"}, {"enum", {"true", "false"}}}});
  return q;
}

Json MatchRequestDoc() {
  return {{"allOf",
           {{{"$ref", "#/components/schemas/job_input"}},
            {{"type", "object"},
             {"description", "match-only fields, never stored"},
             {"properties",
              {{"workload", {{"type", "string"}, {"enum", {"training", "inference", "fp32", "hpc", "cpu"}}}},
               {"allow_split", {{"type", "boolean"}}},
               {"service", {{"type", "boolean"}, {"description", "long-running replicas with failover room"}}},
               {"max_plans", {{"type", "integer"}, {"minimum", 1}, {"maximum", 50}}},
               {"explain", {{"type", "boolean"}, {"description", "list every offer not chosen (default true)"}}}}}}}}};
}

Json MatchResponseDoc() {
  return {{"type", "object"},
          {"properties",
           {{"plans", {{"type", "array"}, {"items", {{"type", "object"}}}}},
            {"rejected", {{"type", "array"},
                          {"items", {{"type", "object"},
                                     {"properties", {{"offer_id", Str()}, {"reason", Str()}}}}}}},
            {"rejected_total", Int()},
            {"offers", Int()},
            {"examined", Int()},
            {"workload", Str()}}}};
}

}  // namespace

void AddMarketRoutes(Router& router, ApiContext& ctx) {
  router.Add(Verb::get, "/api/v1/market/offers", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        auto q = ParseSearch(req);
        if (!q) co_return ErrorResponse(q.error());
        auto index = BuildIndex(*ctx.registry);
        auto r = index->Search(*q);
        if (!r) co_return ErrorResponse(r.error());
        Json items = Json::array();
        for (const auto& h : r->items) items.push_back(OfferItem(*index, h, q->workload));
        const size_t end = q->offset + q->limit;
        co_return JsonResponse(200, {{"items", items},
                                     {"total", r->total},
                                     {"offset", q->offset},
                                     {"limit", q->limit},
                                     {"next_offset", end < r->total ? Json(end) : Json()},
                                     {"facets", r->facets}});
      },
      {"Search the market: active offers with filters, facet counts, sorts and pages", "market",
       nullptr, SearchDocs(), 200, SearchParams()});

  router.Add(Verb::post, "/api/v1/match", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        const auto& p = req.who();
        if (!p.Is("buyer") && !p.IsOperator())
          co_return ErrorResponse(PermissionDenied("match is for buyers and the operator"));
        auto body = ParseJsonBody(req);
        if (!body) co_return ErrorResponse(body.error());
        market::MatchRequest mr;
        bool explain = true, workload_given = false;
        for (const auto& k : kMatchExtras) {
          if (!body->contains(k)) continue;
          const Json v = (*body)[k];
          body->erase(k);
          Status s;
          if (k == "workload") {
            auto w = v.is_string() ? market::ParseWorkload(v.get<std::string>())
                                   : Result<market::Workload>(Err(InvalidArgument("must be a string", k)));
            if (w) mr.workload = *w, workload_given = true; else s = w.error();
          } else if (k == "max_plans") {
            s = field::CheckInt(v, k, 1, 50);
            if (s.ok()) mr.max_plans = v.get<size_t>();
          } else if (!v.is_boolean()) {
            s = InvalidArgument("must be true or false", k);
          } else {
            (k == "allow_split" ? mr.allow_split : k == "service" ? mr.service : explain) = v.get<bool>();
          }
          if (!s.ok()) co_return ErrorResponse(s);
        }
        if (!body->contains("name")) (*body)["name"] = "match";
        Status s = Decode(JobSchema(), *body, &mr.job, DecodeMode::kCreate);
        if (s.ok()) s = ValidateJob(mr.job);
        if (!s.ok()) co_return ErrorResponse(s);
        if (!workload_given) mr.workload = market::GuessWorkload(mr.job);
        mr.buyer_org = p.org_id;
        if (auto org = ctx.registry->Get<Org>(p.org_id)) mr.buyer_group = org->obj->group;
        mr.subsidies = SubsidiesOf(ctx.ledger, p.org_id, ctx.registry->clock().Now());
        auto index = BuildIndex(*ctx.registry);
        auto m = market::Matcher(index).Match(mr);
        if (!m) co_return ErrorResponse(m.error());
        Json plans = Json::array();
        for (size_t i = 0; i < m->plans().size(); ++i)
          plans.push_back(PlanJson(*index, m->plans()[i], i + 1, mr.workload, *body));
        Json rejected = Json::array();
        size_t rejected_total = 0;
        for (const auto& [i, why] : m->Rejected()) {
          ++rejected_total;
          if (explain) rejected.push_back({{"offer_id", index->offer(i).offer.id}, {"reason", why}});
        }
        co_return JsonResponse(200, {{"plans", plans},
                                     {"rejected", rejected},
                                     {"rejected_total", rejected_total},
                                     {"offers", index->size()},
                                     {"examined", m->examined()},
                                     {"workload", std::string(market::WorkloadName(mr.workload))}});
      },
      {"One-click match: ranked feasible plans for a job, and why every other offer was not chosen",
       "market", MatchRequestDoc(), MatchResponseDoc(), 200, {}});
}

}  // namespace suanli::api
