#include "api/event_routes.h"

#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>

#include "ledger/ledger.h"

namespace suanli::api {
namespace {

using namespace std::chrono_literals;

// How often a stream looks for changes, and how long it may stay silent (a comment line keeps
// proxies from closing it and shows a dead client within that time).
constexpr auto kPoll = 500ms;
constexpr auto kKeepAlive = 15s;

// One client's stream: an event whenever the registry made a write durable or the ledger's
// journal grew since the last event (at most one per kPoll), and the first event at once.
// Says *that* something changed, never what: the client re-reads what it shows, with its own
// permissions.
class ChangeFeed {
 public:
  explicit ChangeFeed(const ApiContext* ctx) : ctx_(ctx) {}

  // The marks now: {"registry": durable writes, "ledger": last journal entry}.
  Json Snapshot() const { return Read().ToJson(); }

  // The next chunk of the stream: an event, or a keep-alive comment; nullopt when stopped.
  asio::awaitable<std::optional<std::string>> Next() {
    if (!timer_) timer_.emplace(co_await asio::this_coro::executor);
    auto silent = 0ms;
    for (;;) {
      const Mark now = Read();
      if (!sent_ || now != last_) {
        sent_ = true;
        last_ = now;
        co_return "event: change\ndata: " + now.ToJson().dump() + "\n\n";
      }
      if (silent >= kKeepAlive) co_return std::string(": keep-alive\n\n");
      timer_->expires_after(kPoll);
      auto [ec] = co_await timer_->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return std::nullopt;
      silent += kPoll;
    }
  }

 private:
  struct Mark {
    uint64_t writes = 0;
    int64_t ledger_seq = 0;
    bool operator!=(const Mark& o) const { return writes != o.writes || ledger_seq != o.ledger_seq; }
    Json ToJson() const { return {{"registry", writes}, {"ledger", ledger_seq}}; }
  };
  Mark Read() const {
    return {ctx_->registry->committer().batches(), ctx_->ledger ? ctx_->ledger->LastSeq() : 0};
  }

  const ApiContext* ctx_;
  std::optional<asio::steady_timer> timer_;
  bool sent_ = false;
  Mark last_;
};

}  // namespace

void AddEventRoutes(Router& router, ApiContext& ctx) {
  router.Add(Verb::get, "/api/v1/events", true,
      [&ctx](Request& req) -> asio::awaitable<Response> {
        if (!req.query.empty())
          co_return ErrorResponse(InvalidArgument("unknown parameter", req.query.begin()->first));
        auto feed = std::make_shared<ChangeFeed>(&ctx);
        // Without Accept: text/event-stream, one snapshot of the change marks (a poll).
        if (req.accept.find("text/event-stream") == std::string::npos)
          co_return JsonResponse(200, feed->Snapshot());
        Response r;
        r.content_type = "text/event-stream";
        r.headers.push_back({"Cache-Control", "no-cache"});
        r.stream = [feed] { return feed->Next(); };
        co_return r;
      },
      {"Change events. With `Accept: text/event-stream`: server-sent events, `change` (data: the "
       "marks below) at once and whenever the platform's state or the ledger changed, a comment "
       "line every 15 s while quiet. Otherwise the marks now: {registry, ledger}",
       "platform", nullptr,
       {{"type", "object"},
        {"properties", {{"registry", {{"type", "integer"}}}, {"ledger", {{"type", "integer"}}}}}},
       200, {}});
}

}  // namespace suanli::api
