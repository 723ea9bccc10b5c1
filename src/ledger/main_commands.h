// Entry points of the ledger commands, called by src/cmd/main.cc. argv[0] is the subcommand
// name ("ledger"); each function parses the rest itself and returns the process exit code.
#pragma once

namespace suanli::ledger {

// `suanli ledger verify --db PATH`: 0 when every check holds, 1 with the first violation
// printed, 2 on bad usage or an unreadable store.
// `suanli ledger statement --db PATH --org ORG [--month|--day] [--at RFC3339] [--csv]`
// `suanli ledger writeoff --db PATH --supplier ORG [--at RFC3339]` (monthly 核销 report)
int LedgerMain(int argc, char** argv);

// `suanli bench ledger --db PATH --json [--postings N] [--window N]`: posts N metered usage
// entries through the group-committing Ledger and prints one JSON object with postings_per_s.
int BenchLedgerMain(int argc, char** argv);

}  // namespace suanli::ledger
