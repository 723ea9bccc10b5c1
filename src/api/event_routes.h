// GET /api/v1/events: server-sent events that tell a client (the web console) when anything it
// may be showing has changed, so it refreshes at once instead of polling.
#pragma once

#include "api/context.h"
#include "api/router.h"

namespace suanli::api {

void AddEventRoutes(Router& router, ApiContext& ctx);

}  // namespace suanli::api
