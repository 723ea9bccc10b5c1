#include "api/ledger_routes.h"

#include "api/list_query.h"
#include "ledger/ledger.h"
#include "ledger/statement.h"
#include "ledger/verify.h"
#include "ledger/vouchers.h"

namespace suanli::api {

using control::Principal;
using ledger::Entry;
using ledger::EntryDraft;
using ledger::Fen;

namespace {

// Posts `d` and resumes the coroutine once it is durable (see AsyncWrite for why this is not a
// coroutine itself).
asio::awaitable<Result<ledger::Receipt>> AsyncPost(ledger::Ledger& l, EntryDraft d) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Result<ledger::Receipt>)>(
      [&l, d = std::move(d)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        l.PostAsync(std::move(d), [h](Result<ledger::Receipt> r) {
          auto ex = asio::get_associated_executor(*h);
          asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        });
      },
      asio::use_awaitable);
}

bool SeesAll(const Principal& p) { return p.IsOperator() || p.IsRegulator(); }

// The org a request is about: `requested`, or the caller's own when empty. Others' data only
// for operators and regulators.
Result<std::string> ScopeOrg(const Principal& p, const std::string& requested) {
  if (requested.empty() || requested == p.org_id) return p.org_id;
  if (!SeesAll(p)) return Err(PermissionDenied("you see only your organisation's ledger"));
  return requested;
}

// "buyer:<org>:balance" -> "<org>"; "" for platform and voucher accounts.
std::string_view OrgOfAccount(std::string_view a) {
  for (std::string_view role : {"buyer:", "supplier:", "regulator:"}) {
    if (a.substr(0, role.size()) == role) {
      a.remove_prefix(role.size());
      return a.substr(0, a.rfind(':'));
    }
  }
  return {};
}

bool Involves(const Entry& e, std::string_view org) {
  for (const auto& l : e.lines) {
    if (OrgOfAccount(l.account) == org) return true;
  }
  return ledger::Attr(e, "buyer") == org || ledger::Attr(e, "supplier") == org;
}

Json EntryJson(const Entry& e) {
  Json lines = Json::array();
  for (const auto& l : e.lines) lines.push_back({{"account", l.account}, {"amount_fen", l.amount.v}});
  Json attrs = Json::object();
  for (const auto& [k, v] : e.attrs) attrs[k] = v;
  return {{"seq", e.seq},   {"at", FormatTimestamp(e.at)}, {"kind", ledger::KindName(e.kind)},
          {"key", e.key},   {"ref", e.ref},                {"memo", e.memo},
          {"attrs", attrs}, {"lines", lines},              {"prev_hash", ledger::HashHex(e.prev_hash)},
          {"hash", ledger::HashHex(e.hash)}};
}

Json ProgrammeJson(const ledger::Programme& p, const ledger::Book& b) {
  return {{"id", p.id},
          {"regulator", p.regulator},
          {"name", p.name},
          {"share_bps", p.share_bps},
          {"min_contract_fen", p.min_contract.v},
          {"cap_per_company_fen", p.cap_per_company.v},
          {"budget_fen", p.budget.v},
          {"spent_fen", b.Spent(p.id).v},
          {"budget_left_fen", (p.budget - b.Spent(p.id)).v},
          {"providers", p.providers},
          {"kinds", p.kinds},
          {"regions", p.regions},
          {"valid_from", FormatTimestamp(p.valid_from)},
          {"valid_until", FormatTimestamp(p.valid_until)}};
}

Json ApplicationJson(const ledger::Application& a) {
  return {{"id", a.id},
          {"programme", a.programme},
          {"buyer", a.buyer},
          {"contract_fen", a.contract.v},
          {"state", ledger::AppStateName(a.state)}};
}

// Stamps who posted an entry: the journal is the audit trail of money.
void Stamp(EntryDraft* d, const Request& req) {
  d->attrs["actor_user"] = req.who().user_id;
  d->attrs["actor_org"] = req.who().org_id;
  d->attrs["request_id"] = req.request_id;
}

Status CheckQuery(const Request& req, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : req.query) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      return InvalidArgument("unknown parameter", k);
  }
  return OkStatus();
}

std::string Query(const Request& req, const std::string& k) {
  auto it = req.query.find(k);
  return it == req.query.end() ? "" : it->second;
}

Result<ledger::PeriodRange> PeriodOf(const Request& req, const Clock& clock) {
  const std::string period = Query(req, "period"), at = Query(req, "at");
  if (!period.empty() && period != "day" && period != "month")
    return Err(InvalidArgument("must be day or month", "period"));
  Timestamp t = clock.Now();
  if (!at.empty() && !ParseTimestamp(at, &t)) return Err(InvalidArgument("RFC 3339 time", "at"));
  return ledger::PeriodContaining(period == "day" ? ledger::Period::kDay : ledger::Period::kMonth,
                                  t);
}

// Body helpers: a JSON object with only `allowed` fields.
Result<Json> Body(const Request& req, std::initializer_list<std::string_view> allowed) {
  auto body = ParseJsonBody(req);
  if (!body) return Err(body.error());
  if (!body->is_object()) return Err(InvalidArgument("body must be a JSON object"));
  for (auto it = body->begin(); it != body->end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      return Err(InvalidArgument("unknown field", it.key()));
  }
  return body;
}
Status GetInt(const Json& b, const char* k, int64_t* out, bool required, int64_t lo, int64_t hi) {
  if (!b.contains(k)) return required ? InvalidArgument("required", k) : OkStatus();
  if (!b[k].is_number_integer()) return InvalidArgument("must be an integer", k);
  *out = b[k].get<int64_t>();
  if (*out < lo || *out > hi)
    return InvalidArgument("must be in " + std::to_string(lo) + ".." + std::to_string(hi), k);
  return OkStatus();
}
Status GetStr(const Json& b, const char* k, std::string* out, bool required, size_t max = 200) {
  if (!b.contains(k)) return required ? InvalidArgument("required", k) : OkStatus();
  if (!b[k].is_string()) return InvalidArgument("must be a string", k);
  *out = b[k].get<std::string>();
  if ((required && out->empty()) || out->size() > max)
    return InvalidArgument("must be 1.." + std::to_string(max) + " characters", k);
  return OkStatus();
}
Status GetSet(const Json& b, const char* k, std::set<std::string>* out) {
  if (!b.contains(k)) return OkStatus();
  if (!b[k].is_array()) return InvalidArgument("must be an array of strings", k);
  for (const auto& v : b[k]) {
    if (!v.is_string() || v.get<std::string>().empty() ||
        v.get<std::string>().find(',') != std::string::npos)
      return InvalidArgument("must be an array of non-empty strings without commas", k);
    out->insert(v.get<std::string>());
  }
  return OkStatus();
}
Status GetTime(const Json& b, const char* k, Timestamp* out, bool required) {
  std::string s;
  SUANLI_RETURN_IF_ERROR(GetStr(b, k, &s, required, 64));
  if (!s.empty() && !ParseTimestamp(s, out)) return InvalidArgument("RFC 3339 time", k);
  return OkStatus();
}
// An optional client-chosen identifier (idempotency key, programme id): letters, digits, -_.
Status GetKey(const Json& b, const char* k, std::string* out) {
  SUANLI_RETURN_IF_ERROR(GetStr(b, k, out, false, 100));
  for (char c : *out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return InvalidArgument("letters, digits and -_. only", k);
  }
  return OkStatus();
}

Response Posted(const Result<ledger::Receipt>& r, unsigned status) {
  if (!r) return ErrorResponse(r.error());
  Json j = EntryJson(r->entry);
  j["duplicate"] = r->duplicate;
  return JsonResponse(r->duplicate ? 200 : status, j);
}

Result<Entry> ReadEntry(ledger::Ledger& l, int64_t seq) {
  std::optional<Entry> out;
  Status st = l.Scan(seq, seq + 1, [&](const Entry& e) {
    out = e;
    return OkStatus();
  });
  if (!st.ok()) return Err(st);
  if (!out) return Err(NotFound("no entry " + std::to_string(seq), "seq"));
  return *out;
}

const Json kObject = {{"type", "object"}};
Json Str() { return {{"type", "string"}}; }
Json Int() { return {{"type", "integer"}}; }

}  // namespace

void AddLedgerRoutes(Router& router, ApiContext& ctx) {
  // Every handler starts with this: 503 when the server runs without a ledger.
  auto need = [&ctx]() -> ledger::Ledger* { return ctx.ledger; };
  const Clock& clock = ctx.registry->clock();
  const auto unavailable = [] { return ErrorResponse(Unavailable("the ledger is not open")); };

  router.Add(Verb::get, "/api/v1/ledger/balances", true,
      [need, unavailable](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        if (Status s = CheckQuery(req, {"org_id"}); !s.ok()) co_return ErrorResponse(s);
        const std::string requested = Query(req, "org_id");
        const bool all = requested.empty() && SeesAll(req.who());
        auto org = ScopeOrg(req.who(), requested);
        if (!org) co_return ErrorResponse(org.error());
        Json items = Json::array();
        l->WithBook([&](const ledger::Book& b) {
          std::map<std::string, Fen> sorted(b.balances().begin(), b.balances().end());
          for (const auto& [account, bal] : sorted) {
            if (!all && OrgOfAccount(account) != *org) continue;
            items.push_back({{"account", account},
                             {"balance_fen", bal.v},
                             {"balance_yuan", ledger::FormatYuan(bal)}});
          }
        });
        Json out = {{"items", items}, {"last_seq", l->LastSeq()}};
        if (!all) out["org_id"] = *org;
        co_return JsonResponse(200, out);
      },
      {"Account balances (+ debit, - credit; a buyer's money left is -balance)", "ledger", nullptr,
       kObject, 200, {{"org_id", Str()}}});

  router.Add(Verb::get, "/api/v1/ledger/entries", true,
      [need, unavailable](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        if (Status s = CheckQuery(req, {"account", "after_seq", "limit"}); !s.ok())
          co_return ErrorResponse(s);
        int64_t after = 0;
        size_t limit = 100;
        if (auto v = Query(req, "after_seq"); !v.empty()) {
          auto n = ParseCount("after_seq", v, INT64_MAX / 2);
          if (!n) co_return ErrorResponse(n.error());
          after = static_cast<int64_t>(*n);
        }
        if (auto v = Query(req, "limit"); !v.empty()) {
          auto n = ParseCount("limit", v, kMaxListLimit);
          if (!n) co_return ErrorResponse(n.error());
          limit = std::max<size_t>(*n, 1);
        }
        const std::string account = Query(req, "account");
        const Principal& p = req.who();
        if (!account.empty() && !SeesAll(p) && OrgOfAccount(account) != p.org_id)
          co_return ErrorResponse(PermissionDenied("you see only your organisation's accounts"));
        auto snap = l->SnapshotReader();
        if (!snap) co_return ErrorResponse(snap.error());
        Json items = Json::array();
        int64_t next = 0;
        const Status stop = Aborted("limit");
        Status st = (*snap)->Scan(after + 1, 0, [&](const Entry& e) {
          if (!account.empty()) {
            bool hit = false;
            for (const auto& ln : e.lines) hit = hit || ln.account == account;
            if (!hit) return OkStatus();
          } else if (!SeesAll(p) && !Involves(e, p.org_id)) {
            return OkStatus();
          }
          items.push_back(EntryJson(e));
          next = e.seq;
          return items.size() >= limit ? stop : OkStatus();
        });
        if (!st.ok() && st.code() != StatusCode::kAborted) co_return ErrorResponse(st);
        co_return JsonResponse(200, {{"items", items},
                                     {"next_after_seq", items.size() >= limit ? Json(next) : Json()}});
      },
      {"The journal (hash-chained, append-only), oldest first", "ledger", nullptr, kObject, 200,
       {{"account", Str()}, {"after_seq", Int()}, {"limit", {{"type", "integer"}, {"maximum", 1000}}}}});

  auto statement = [need, unavailable, &clock](Request& req, bool invoice_only)
      -> asio::awaitable<Response> {
    ledger::Ledger* l = need();
    if (!l) co_return unavailable();
    if (Status s = CheckQuery(req, {"org_id", "period", "at", "format"}); !s.ok())
      co_return ErrorResponse(s);
    const std::string format = Query(req, "format");
    if (!format.empty() && format != "json" && (format != "csv" || invoice_only))
      co_return ErrorResponse(InvalidArgument(invoice_only ? "must be json" : "must be json or csv",
                                              "format"));
    auto org = ScopeOrg(req.who(), Query(req, "org_id"));
    if (!org) co_return ErrorResponse(org.error());
    auto period = PeriodOf(req, clock);
    if (!period) co_return ErrorResponse(period.error());
    auto snap = l->SnapshotReader();
    if (!snap) co_return ErrorResponse(snap.error());
    auto s = ledger::BuildStatement(**snap, *org, *period);
    if (!s) co_return ErrorResponse(s.error());
    if (format == "csv") {
      Response r;
      r.content_type = "text/csv; charset=utf-8";
      r.body = ledger::StatementCsv(*s);
      co_return r;
    }
    if (!invoice_only) co_return RawJsonResponse(200, ledger::StatementJson(*s));
    Json j = Json::parse(ledger::StatementJson(*s));
    co_return JsonResponse(200, {{"org", j["org"]}, {"period", j["period"]}, {"invoice", j["invoice"]}});
  };
  const std::vector<std::pair<std::string, Json>> period_q = {
      {"org_id", Str()},
      {"period", {{"type", "string"}, {"enum", {"day", "month"}}}},
      {"at", {{"type", "string"}, {"format", "date-time"}}}};
  auto statement_q = period_q;
  statement_q.push_back({"format", {{"type", "string"}, {"enum", {"json", "csv"}}}});
  router.Add(Verb::get, "/api/v1/ledger/statements", true,
      [statement](Request& req) { return statement(req, false); },
      {"An organisation's statement for a day or month (UTC+8): balances and line items",
       "ledger", nullptr, kObject, 200, statement_q});
  router.Add(Verb::get, "/api/v1/ledger/invoices", true,
      [statement](Request& req) { return statement(req, true); },
      {"A buyer's invoice for a day or month: usage - vouchers - SLA credits +- reversals",
       "ledger", nullptr, kObject, 200, period_q});

  router.Add(Verb::post, "/api/v1/ledger/topups", true,
      [need, unavailable, &ctx](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        const Principal& p = req.who();
        if (!p.IsOperator() || !p.CanWriteMoney())
          co_return ErrorResponse(PermissionDenied("top-ups are posted by the operator"));
        auto b = Body(req, {"org_id", "amount_fen", "memo", "key"});
        if (!b) co_return ErrorResponse(b.error());
        std::string org, memo, key;
        int64_t amount = 0;
        for (Status s : {GetStr(*b, "org_id", &org, true), GetStr(*b, "memo", &memo, false, 500),
                         GetInt(*b, "amount_fen", &amount, true, 1, int64_t{1} << 50),
                         GetKey(*b, "key", &key)})
          if (!s.ok()) co_return ErrorResponse(s);
        if (!ctx.registry->Get<domain::Org>(org))
          co_return ErrorResponse(NotFound("no organisation " + org, "org_id"));
        EntryDraft d;
        d.kind = ledger::EntryKind::kTopup;
        d.key = "topup:" + (key.empty() ? ctx.registry->ids().NewId("t") : key);
        d.memo = memo.empty() ? "top-up" : memo;
        d.attrs["buyer"] = org;
        Stamp(&d, req);
        d.lines = {{std::string(ledger::kPlatformCash), Fen(amount)},
                   {ledger::BuyerBalance(org), Fen(-amount)}};
        co_return Posted(co_await AsyncPost(*l, std::move(d)), 201);
      },
      {"Credit a buyer's prepaid balance (operator)", "ledger",
       {{"type", "object"},
        {"required", {"org_id", "amount_fen"}},
        {"properties", {{"org_id", Str()}, {"amount_fen", Int()}, {"memo", Str()}, {"key", Str()}}}},
       kObject, 201, {}});

  router.Add(Verb::post, "/api/v1/ledger/reversals", true,
      [need, unavailable](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        const Principal& p = req.who();
        if (!p.IsOperator() || !p.CanWriteMoney())
          co_return ErrorResponse(PermissionDenied("corrections are reversals by the operator"));
        auto b = Body(req, {"seq", "reason"});
        if (!b) co_return ErrorResponse(b.error());
        int64_t seq = 0;
        std::string reason;
        for (Status s : {GetInt(*b, "seq", &seq, true, 1, INT64_MAX / 2),
                         GetStr(*b, "reason", &reason, true, 500)})
          if (!s.ok()) co_return ErrorResponse(s);
        auto orig = ReadEntry(*l, seq);
        if (!orig) co_return ErrorResponse(orig.error());
        EntryDraft d;
        d.kind = ledger::EntryKind::kReversal;
        d.key = "reverse:" + std::to_string(seq);
        d.ref = seq;
        d.memo = reason;
        for (const char* k : {"buyer", "supplier", "job", "programme"}) {
          if (auto v = ledger::Attr(*orig, k); !v.empty()) d.attrs[k] = std::string(v);
        }
        Stamp(&d, req);
        for (const auto& ln : orig->lines) d.lines.push_back({ln.account, -ln.amount});
        co_return Posted(co_await AsyncPost(*l, std::move(d)), 201);
      },
      {"Reverse an entry (operator): a new entry negating every line; history is never edited",
       "ledger",
       {{"type", "object"},
        {"required", {"seq", "reason"}},
        {"properties", {{"seq", Int()}, {"reason", Str()}}}},
       kObject, 201, {}});

  router.Add(Verb::get, "/api/v1/ledger/verify", true,
      [need, unavailable](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        if (!SeesAll(req.who()))
          co_return ErrorResponse(PermissionDenied("verification is for the operator and regulators"));
        auto snap = l->SnapshotReader();
        if (!snap) co_return ErrorResponse(snap.error());
        auto r = ledger::Verify(**snap);
        if (!r) co_return ErrorResponse(r.error());
        co_return JsonResponse(200, {{"ok", r->ok},
                                     {"entries", r->entries},
                                     {"lines", r->lines},
                                     {"first_bad_seq", r->first_bad_seq},
                                     {"violation", r->violation},
                                     {"head_hash", r->head_hash}});
      },
      {"Recompute the hash chain and every ledger invariant (operator, regulator)", "ledger",
       nullptr, kObject, 200, {}});

  // ---- compute vouchers (算力券) ----
  router.Add(Verb::post, "/api/v1/vouchers/programmes", true,
      [need, unavailable, &ctx, &clock](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        const Principal& p = req.who();
        if (!p.IsRegulator() || !p.CanWriteMoney())
          co_return ErrorResponse(PermissionDenied("programmes are created by a regulator"));
        auto b = Body(req, {"id", "name", "share_bps", "min_contract_fen", "cap_per_company_fen",
                            "budget_fen", "providers", "kinds", "regions", "valid_from",
                            "valid_until"});
        if (!b) co_return ErrorResponse(b.error());
        ledger::Programme prog;
        prog.regulator = p.org_id;
        prog.valid_from = clock.Now();
        int64_t min_contract = 0, cap = 0, budget = 0;
        for (Status s : {GetKey(*b, "id", &prog.id),
                         GetStr(*b, "name", &prog.name, true, 200),
                         GetInt(*b, "share_bps", &prog.share_bps, true, 1, 10000),
                         GetInt(*b, "min_contract_fen", &min_contract, false, 0, int64_t{1} << 50),
                         GetInt(*b, "cap_per_company_fen", &cap, true, 1, int64_t{1} << 50),
                         GetInt(*b, "budget_fen", &budget, true, 1, int64_t{1} << 50),
                         GetSet(*b, "providers", &prog.providers), GetSet(*b, "kinds", &prog.kinds),
                         GetSet(*b, "regions", &prog.regions),
                         GetTime(*b, "valid_from", &prog.valid_from, false),
                         GetTime(*b, "valid_until", &prog.valid_until, true)})
          if (!s.ok()) co_return ErrorResponse(s);
        if (prog.id.empty()) prog.id = ctx.registry->ids().NewId("prog");
        prog.min_contract = Fen(min_contract);
        prog.cap_per_company = Fen(cap);
        prog.budget = Fen(budget);
        if (Status s = ledger::ValidateProgramme(prog); !s.ok()) co_return ErrorResponse(s);
        bool exists = false;
        l->WithBook([&](const ledger::Book& bk) { exists = bk.programmes().contains(prog.id); });
        if (exists) co_return ErrorResponse(AlreadyExists("programme " + prog.id + " exists", "id"));
        EntryDraft d = ledger::ProgrammeDraft(prog);
        Stamp(&d, req);
        auto r = co_await AsyncPost(*l, std::move(d));
        if (!r) co_return ErrorResponse(r.error());
        Json out;
        l->WithBook([&](const ledger::Book& bk) { out = ProgrammeJson(bk.programmes().at(prog.id), bk); });
        out["seq"] = r->entry.seq;
        co_return JsonResponse(201, out);
      },
      {"Create and fund a compute-voucher programme (regulator)", "vouchers",
       {{"type", "object"},
        {"required", {"name", "share_bps", "cap_per_company_fen", "budget_fen", "valid_until"}},
        {"properties",
         {{"id", Str()}, {"name", Str()}, {"share_bps", Int()}, {"min_contract_fen", Int()},
          {"cap_per_company_fen", Int()}, {"budget_fen", Int()},
          {"providers", {{"type", "array"}, {"items", Str()}}},
          {"kinds", {{"type", "array"}, {"items", Str()}}},
          {"regions", {{"type", "array"}, {"items", Str()}}},
          {"valid_from", {{"type", "string"}, {"format", "date-time"}}},
          {"valid_until", {{"type", "string"}, {"format", "date-time"}}}}}},
       kObject, 201, {}});

  router.Add(Verb::get, "/api/v1/vouchers/programmes", true,
      [need, unavailable](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        if (Status s = CheckQuery(req, {}); !s.ok()) co_return ErrorResponse(s);
        Json items = Json::array();
        l->WithBook([&](const ledger::Book& b) {
          for (const auto& [id, prog] : b.programmes()) items.push_back(ProgrammeJson(prog, b));
        });
        co_return JsonResponse(200, {{"items", items}});
      },
      {"Compute-voucher programmes (public terms, budget left)", "vouchers", nullptr, kObject, 200,
       {}});

  router.Add(Verb::post, "/api/v1/vouchers/applications", true,
      [need, unavailable, &ctx](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        const Principal& p = req.who();
        if (!p.Is("buyer") || !p.CanWriteMoney())
          co_return ErrorResponse(PermissionDenied("buyers apply for compute vouchers"));
        auto b = Body(req, {"programme", "contract_fen"});
        if (!b) co_return ErrorResponse(b.error());
        ledger::Application a;
        int64_t contract = 0;
        for (Status s : {GetStr(*b, "programme", &a.programme, true),
                         GetInt(*b, "contract_fen", &contract, true, 0, int64_t{1} << 50)})
          if (!s.ok()) co_return ErrorResponse(s);
        a.id = ctx.registry->ids().NewId("app");
        a.buyer = p.org_id;
        a.contract = Fen(contract);
        Status pre;
        l->WithBook([&](const ledger::Book& bk) {
          auto it = bk.programmes().find(a.programme);
          if (it == bk.programmes().end())
            pre = NotFound("no programme " + a.programme, "programme");
          else if (a.contract < it->second.min_contract)
            pre = InvalidArgument("contract below the programme minimum of " +
                                      ledger::FormatYuan(it->second.min_contract) + " yuan",
                                  "contract_fen");
        });
        if (!pre.ok()) co_return ErrorResponse(pre);
        EntryDraft d = ledger::ApplyDraft(a);
        Stamp(&d, req);
        auto r = co_await AsyncPost(*l, std::move(d));
        if (!r) co_return ErrorResponse(r.error());
        Json out = ApplicationJson(a);
        out["seq"] = r->entry.seq;
        co_return JsonResponse(201, out);
      },
      {"Apply for a compute-voucher programme (buyer)", "vouchers",
       {{"type", "object"},
        {"required", {"programme", "contract_fen"}},
        {"properties", {{"programme", Str()}, {"contract_fen", Int()}}}},
       kObject, 201, {}});

  router.Add(Verb::get, "/api/v1/vouchers/applications", true,
      [need, unavailable](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        if (Status s = CheckQuery(req, {}); !s.ok()) co_return ErrorResponse(s);
        const Principal& p = req.who();
        Json items = Json::array();
        l->WithBook([&](const ledger::Book& b) {
          for (const auto& [id, a] : b.applications()) {
            if (SeesAll(p) || a.buyer == p.org_id) items.push_back(ApplicationJson(a));
          }
        });
        co_return JsonResponse(200, {{"items", items}});
      },
      {"Voucher applications (buyers see their own)", "vouchers", nullptr, kObject, 200, {}});

  auto decide = [need, unavailable](Request& req, bool approve) -> asio::awaitable<Response> {
    ledger::Ledger* l = need();
    if (!l) co_return unavailable();
    const Principal& p = req.who();
    if (!p.IsRegulator() || !p.CanWriteMoney())
      co_return ErrorResponse(PermissionDenied("applications are decided by the regulator"));
    std::string reason;
    if (!req.body.empty()) {
      auto b = Body(req, {"reason"});
      if (!b) co_return ErrorResponse(b.error());
      if (Status s = GetStr(*b, "reason", &reason, false, 500); !s.ok()) co_return ErrorResponse(s);
    }
    const std::string id = req.params["id"];
    Status pre;
    std::optional<ledger::Application> app;
    l->WithBook([&](const ledger::Book& b) {
      auto it = b.applications().find(id);
      if (it == b.applications().end()) {
        pre = NotFound("no application " + id);
        return;
      }
      app = it->second;
      if (b.programmes().at(it->second.programme).regulator != p.org_id)
        pre = PermissionDenied("only the programme's regulator decides");
      else if (it->second.state != ledger::AppState::kPending)
        pre = FailedPrecondition("application already " +
                                 std::string(ledger::AppStateName(it->second.state)));
    });
    if (!pre.ok()) co_return ErrorResponse(pre);
    EntryDraft d = ledger::DecisionDraft(id, p.org_id, approve, reason);
    Stamp(&d, req);
    auto r = co_await AsyncPost(*l, std::move(d));
    if (!r) co_return ErrorResponse(r.error());
    app->state = approve ? ledger::AppState::kApproved : ledger::AppState::kRejected;
    Json out = ApplicationJson(*app);
    out["seq"] = r->entry.seq;
    co_return JsonResponse(200, out);
  };
  const Json reason_body = {{"type", "object"}, {"properties", {{"reason", Str()}}}};
  router.Add(Verb::post, "/api/v1/vouchers/applications/{id}/approve", true,
      [decide](Request& req) { return decide(req, true); },
      {"Approve an application (the programme's regulator)", "vouchers", reason_body, kObject, 200,
       {}});
  router.Add(Verb::post, "/api/v1/vouchers/applications/{id}/reject", true,
      [decide](Request& req) { return decide(req, false); },
      {"Reject an application (the programme's regulator)", "vouchers", reason_body, kObject, 200,
       {}});

  router.Add(Verb::get, "/api/v1/vouchers/writeoffs", true,
      [need, unavailable, &clock](Request& req) -> asio::awaitable<Response> {
        ledger::Ledger* l = need();
        if (!l) co_return unavailable();
        if (Status s = CheckQuery(req, {"supplier_id", "period", "at"}); !s.ok())
          co_return ErrorResponse(s);
        auto org = ScopeOrg(req.who(), Query(req, "supplier_id"));
        if (!org) co_return ErrorResponse(org.error());
        if (Query(req, "period") == "day")
          co_return ErrorResponse(InvalidArgument("write-offs are monthly", "period"));
        auto period = PeriodOf(req, clock);
        if (!period) co_return ErrorResponse(period.error());
        auto snap = l->SnapshotReader();
        if (!snap) co_return ErrorResponse(snap.error());
        auto r = ledger::BuildWriteOff(**snap, *org, *period);
        if (!r) co_return ErrorResponse(r.error());
        co_return RawJsonResponse(200, ledger::WriteOffJson(*r));
      },
      {"Monthly voucher write-off (核销) of a supplier: subsidy redeemed per programme and buyer",
       "vouchers", nullptr, kObject, 200,
       {{"supplier_id", Str()},
        {"period", {{"type", "string"}, {"enum", {"month"}}}},
        {"at", {{"type", "string"}, {"format", "date-time"}}}}});
}

}  // namespace suanli::api
