// The node agent's surface and task output: POST /api/v1/agent/register (inventory → node),
// POST /api/v1/agent/sync (heartbeat, task reports, device faults, log chunks → what to run
// and kill; long poll) and GET /api/v1/jobs/{id}/logs. See exec/protocol.h for the exchange.
#pragma once

#include "api/context.h"
#include "api/router.h"

namespace suanli::api {

// Adds the routes. When ctx.exec is null (no execution service) they answer 503.
void AddAgentRoutes(Router& router, ApiContext& ctx);

}  // namespace suanli::api
