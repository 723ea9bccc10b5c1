// `suanli <noun> <verb>`: builds the command tree, parses, runs the chosen action and turns its
// Status into one line and an exit code. Nothing below this file throws past RunCli.
#include "cli/cli.h"

#include <cstdio>
#include <exception>

#include "cli/commands.h"

namespace suanli::cli {
namespace {

std::string Verbs(CLI::App* cmd) {
  std::string out;
  for (CLI::App* sub : cmd->get_subcommands([](CLI::App*) { return true; }))
    out += (out.empty() ? "" : "|") + sub->get_name();
  return out;
}

void Build(CLI::App* app, Runner* run) {
  app->fallthrough();  // global options work after the subcommand too (inherited)
  app->require_subcommand(1);
  app->add_option("--server", run->global.server, "API server URL")
      ->envname("SUANLI_SERVER")
      ->capture_default_str();
  app->add_option("--token", run->global.token, "API token (sl_...)")->envname("SUANLI_TOKEN");
  app->add_flag("--json", run->global.json, "print JSON for scripts instead of tables");
  for (const ResourceDef& r : Resources()) {
    CLI::App* noun = app->add_subcommand(r.noun, r.description)->alias(r.plural);
    noun->group("Resources");
    noun->require_subcommand(1);
    std::vector<std::string> skip;
    if (r.noun == "token") skip = {"create"};
    AddResourceCommands(noun, run, r, skip);
    if (r.noun == "node") AddNodeVerbs(noun, run);
    if (r.noun == "job") AddJobVerbs(noun, run);
    if (r.noun == "token") AddTokenVerbs(noun, run);
    if (r.noun == "offer") AddOfferPublish(noun, run);
    for (CLI::App* verb : noun->get_subcommands([](CLI::App*) { return true; })) verb->group("Verbs");
    noun->description(r.description + "  [" + Verbs(noun) + "]");
  }
  AddPlatformCommands(app, run);
  AddMarketCommands(app, run);
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_group() == "Subcommands") sub->group("Platform");
  app->footer(
      "Server and token come from --server/--token or SUANLI_SERVER/SUANLI_TOKEN.\n"
      "Exit codes: 0 ok, 2 bad usage or input (4xx), 1 server failure or unreachable.\n"
      "Examples: suanli node list --state ready --limit 20\n"
      "          suanli job submit job.yaml\n"
      "          suanli offer publish --pool pool-xxxx --price 25\n"
      "          suanli market search --ecosystem CUDA,CANN --near 成都市 --sort price_per_pflops\n"
      "          suanli match job.yaml --accept 1");
}

// The message for a parse error, naming the missing verb when that is what went wrong.
std::string ParseErrorLine(CLI::App* app, const CLI::ParseError& e) {
  CLI::App* cur = app;
  std::string path = "suanli";
  for (auto subs = cur->get_subcommands(); !subs.empty(); subs = cur->get_subcommands()) {
    cur = subs[0];
    path += " " + cur->get_name();
  }
  std::string what = e.what();
  if (what.find("subcommand") != std::string::npos && what.find("required") != std::string::npos) {
    std::vector<std::string> rest = app->remaining(true);
    if (!rest.empty() && !rest[0].starts_with("-"))
      return path + ": unknown command \"" + rest[0] + "\"; choose " + Verbs(cur);
    return path + ": say what to do: " + Verbs(cur) + " (see " + path + " --help)";
  }
  return path + ": " + what;
}

int Run(int argc, char** argv) {
  Runner run;
  CLI::App app{"suanli: the compute-power network (算力网络) from the command line", "suanli"};
  Build(&app, &run);
  if (argc <= 1) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "%s\n", ParseErrorLine(&app, e).c_str());
    return 2;
  }
  if (!run.action) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  Status s = run.action();
  if (s.ok()) return 0;
  std::fflush(stdout);
  std::fprintf(stderr, "suanli: %s\n", ErrorLine(s).c_str());
  return ExitCodeFor(s);
}

}  // namespace

int RunCli(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "suanli: internal: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "suanli: internal: unexpected failure\n");
    return 1;
  }
}

}  // namespace suanli::cli
