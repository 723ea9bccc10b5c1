// Command registration. Each Add* function adds subcommands to a CLI11 app; a subcommand's
// callback only records what to do in `Runner::action`, which RunCli runs after parsing, so
// every failure comes back as a Status and is printed once, in one place.
#pragma once

#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/accelerator_names.h"
#include "cli/api.h"
#include "cli/resources.h"
#include "core/status.h"

namespace suanli::cli {

struct Runner {
  GlobalOptions global;
  std::function<Status()> action;
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;

  // The API connection, opened on first use with the parsed global options.
  Api& api() {
    if (!api_) api_ = std::make_unique<Api>(global);
    return *api_;
  }

 private:
  std::unique_ptr<Api> api_;
};

// list / get / create / update / delete for `r` under `noun`; `skip` names verbs the resource
// replaces with its own (token create).
void AddResourceCommands(CLI::App* noun, Runner* run, const ResourceDef& r,
                         const std::vector<std::string>& skip = {});

// node cordon|drain|uncordon, job submit|cancel, token create, offer publish.
void AddNodeVerbs(CLI::App* node, Runner* run);
void AddJobVerbs(CLI::App* job, Runner* run);
void AddTokenVerbs(CLI::App* token, Runner* run);
void AddOfferPublish(CLI::App* offer, Runner* run);

// me, capacity, audit, health, api (raw requests).
void AddPlatformCommands(CLI::App* app, Runner* run);

// market search, match (market_commands.cc).
void AddMarketCommands(CLI::App* app, Runner* run);

// Every catalog entry (a few dozen), for resolving accelerator names in job specs.
Result<std::vector<CatalogEntry>> FetchCatalog(Runner* run);

// Prints `j` as the JSON answer (--json): objects pretty, two-space indented.
void PrintJson(Runner* run, const nlohmann::json& j);

// Builds a JSON body from -f FILE (JSON or YAML), field flags and --set key=value overrides
// (dotted keys nest: labels.rack=r1).
Result<nlohmann::json> BuildBody(const ResourceDef& r, const std::string& file,
                                 const std::map<std::string, std::string>& fields,
                                 const std::vector<std::string>& sets);

}  // namespace suanli::cli
