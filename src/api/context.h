// What every route handler needs: the registry, the token hasher, and a way to await a
// durable write from a coroutine.
#pragma once

#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "api/http.h"
#include "control/auth.h"
#include "control/registry.h"

namespace suanli::ledger {
class Ledger;
}
namespace suanli::exec {
class ExecutionService;
}

namespace suanli::api {

struct ApiContext {
  control::Registry* registry;
  const control::TokenHasher* hasher;
  ledger::Ledger* ledger = nullptr;  // the money journal; null when the server runs without one
  exec::ExecutionService* exec = nullptr;  // runs placed work; null when the server runs none
};

// Runs `fn` as one registry write and resumes the coroutine once it is durable (or failed).
// Deliberately not a coroutine itself: GCC 12 destroys temporaries passed to a coroutine inside
// a co_await expression twice (GCC PR 100611), which double-freed the std::function and Actor
// of every write; taking them by value into the initiation object avoids that. The lambda a
// caller writes inside `co_await AsyncWrite(...)` is such a temporary too: capture only
// references in it ([&]); a by-value shared_ptr capture there is released twice.
inline asio::awaitable<Status> AsyncWrite(control::Registry& reg, control::Actor actor,
                                          std::function<Status(control::Txn&)> fn) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
      [&reg, actor = std::move(actor), fn = std::move(fn)](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto resume = [h](Status st) {
          auto ex = asio::get_associated_executor(*h);
          asio::post(ex, [h, st = std::move(st)]() mutable { (*h)(std::move(st)); });
        };
        Status s = reg.Write(actor, fn, [resume](const Status& st) { resume(st); });
        if (!s.ok()) resume(s);
      },
      asio::use_awaitable);
}

}  // namespace suanli::api
