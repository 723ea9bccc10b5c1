// The market's REST surface: faceted offer search (GET /api/v1/market/offers) and one-click
// match (POST /api/v1/match). Both read a market index built from the registry at request
// time (market/from_records.h); match prices plans after the caller's compute vouchers from
// the ledger when one is open.
#pragma once

#include "api/context.h"
#include "api/router.h"

namespace suanli::api {

void AddMarketRoutes(Router& router, ApiContext& ctx);

}  // namespace suanli::api
