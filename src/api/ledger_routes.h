// The ledger's REST surface: balances, the journal, statements and invoices, operator top-ups
// and reversals, compute-voucher programmes and applications, the write-off report and
// verification. Nothing edits history: money moves only by posting journal entries, and every
// entry posted here records its actor (user, org, request id) in its attributes.
//
// Visibility: operators and regulators see every organisation; everyone else sees only the
// accounts and entries of their own organisation.
#pragma once

#include "api/context.h"
#include "api/router.h"

namespace suanli::api {

// Adds the routes. When ctx.ledger is null (no ledger opened) they answer 503.
void AddLedgerRoutes(Router& router, ApiContext& ctx);

}  // namespace suanli::api
