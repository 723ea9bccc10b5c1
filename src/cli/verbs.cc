// Verbs beyond CRUD: node cordon/drain/uncordon, job submit/cancel/logs, token create.
#include <chrono>
#include <thread>
#include <filesystem>

#include "cli/accelerator_names.h"
#include "cli/commands.h"
#include "cli/job_spec.h"
#include "cli/output.h"
#include "cli/yaml_json.h"

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

void AddNodeState(CLI::App* node, Runner* run, const std::string& verb, const std::string& state,
                  const std::string& help) {
  auto* cmd = node->add_subcommand(verb, help);
  struct Opts {
    std::string id, reason;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("id", o->id, "node id")->required();
  if (state != "ready") cmd->add_option("--reason", o->reason, "why (shown to operators)");
  cmd->callback([run, o, state, verb] {
    run->action = [run, o, state, verb]() -> Status {
      Json body = {{"state", state}};
      body["state_reason"] = o->reason.empty() ? Json() : Json(o->reason);
      auto got = run->api().Call("PATCH", "nodes/" + client::UrlEncode(o->id), body);
      if (!got) return got.error();
      if (run->global.json) PrintJson(run, *got);
      else *run->out << "node " << o->id << " " << got->value("state", state) << '\n';
      return OkStatus();
    };
  });
}

Status Submit(Runner* run, const std::string& file, bool dry_run) {
  auto text = ReadFile(file);
  if (!text) return text.error();
  auto catalog = FetchCatalog(run);
  if (!catalog) return catalog.error();
  std::string stem = file == "-" ? "job" : std::filesystem::path(file).stem().string();
  auto job = JobFromSpec(*text, *catalog, stem);
  if (!job) return job.error();
  if (dry_run) {
    PrintJson(run, *job);
    return OkStatus();
  }
  auto got = run->api().Call("POST", "jobs", *job);
  if (!got) return got.error();
  if (run->global.json) {
    PrintJson(run, *got);
  } else {
    *run->out << "job " << got->value("id", "?") << " submitted (" << got->value("state", "?")
              << ")\n";
  }
  return OkStatus();
}

// Prints a task's output from `offset`; with `follow`, keeps polling until the job ends.
Status JobLogs(Runner* run, const std::string& id, int task, int attempt, bool follow) {
  int64_t offset = 0;
  for (;;) {
    std::string q = "jobs/" + client::UrlEncode(id) + "/logs?task=" + std::to_string(task) +
                    "&offset=" + std::to_string(offset);
    if (attempt >= 0) q += "&attempt=" + std::to_string(attempt);
    auto got = run->api().Get(q);
    if (!got) return got.error();
    const std::string data = got->value("data", "");
    *run->out << data << std::flush;
    offset = got->value("next_offset", offset);
    if (!follow || got->value("eof", false)) return OkStatus();
    if (data.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void AddJobLogs(CLI::App* job, Runner* run) {
  auto* logs = job->add_subcommand("logs", "print a task's output (stdout and stderr)");
  struct Opts {
    std::string id;
    int task = 0, attempt = -1;
    bool follow = false;
  };
  auto o = std::make_shared<Opts>();
  logs->add_option("id", o->id, "job id")->required();
  logs->add_option("--task", o->task, "task index in the gang")->check(CLI::Range(0, 100000));
  logs->add_option("--attempt", o->attempt, "attempt (default: the latest)")
      ->check(CLI::Range(0, 1000000));
  logs->add_flag("-f,--follow", o->follow, "keep printing new output until the job ends");
  logs->callback([run, o] {
    run->action = [run, o] { return JobLogs(run, o->id, o->task, o->attempt, o->follow); };
  });
}

}  // namespace

Result<std::vector<CatalogEntry>> FetchCatalog(Runner* run) {
  auto got = run->api().Get("accelerators?limit=1000");
  if (!got) return Err(got.error());
  return CatalogFromJson(got->value("items", Json::array()));
}

void AddNodeVerbs(CLI::App* node, Runner* run) {
  AddNodeState(node, run, "cordon", "cordoned", "stop placing work on a node (running work stays)");
  AddNodeState(node, run, "drain", "draining", "let running work finish, place nothing new");
  AddNodeState(node, run, "uncordon", "ready", "return a node to service");
}

void AddJobVerbs(CLI::App* job, Runner* run) {
  auto* submit = job->add_subcommand("submit", "submit a job from a SkyPilot-like YAML spec");
  struct SubmitOpts {
    std::string file;
    bool dry_run = false;
  };
  auto s = std::make_shared<SubmitOpts>();
  submit->add_option("file", s->file, "job spec (YAML; '-' = stdin)")->required();
  submit->add_flag("--dry-run", s->dry_run, "print the job JSON instead of submitting it");
  submit->footer(
      "Spec keys: name, num_nodes, resources {accelerators, cpus, memory}, run, priority,\n"
      "duration, deadline, budget (yuan), location {city, latency_ms}, offer.\n"
      "accelerators: \"H100:8\" | [\"H100:8\", \"A800:8\"] | {count: 8, any_of: [...]}");
  submit->callback([run, s] { run->action = [run, s] { return Submit(run, s->file, s->dry_run); }; });

  auto* cancel = job->add_subcommand("cancel", "cancel a job");
  struct CancelOpts {
    std::string id, reason;
  };
  auto c = std::make_shared<CancelOpts>();
  cancel->add_option("id", c->id, "job id")->required();
  cancel->add_option("--reason", c->reason, "why");
  AddJobLogs(job, run);
  cancel->callback([run, c] {
    run->action = [run, c]() -> Status {
      Json body = Json::object();
      if (!c->reason.empty()) body["reason"] = c->reason;
      auto got = run->api().Call("POST", "jobs/" + client::UrlEncode(c->id) + "/cancel", body);
      if (!got) return got.error();
      if (run->global.json) PrintJson(run, *got);
      else *run->out << "job " << c->id << " " << got->value("state", "cancelled") << '\n';
      return OkStatus();
    };
  });
}

void AddTokenVerbs(CLI::App* token, Runner* run) {
  auto* create = token->add_subcommand("create", "create an API token; prints its secret once");
  struct Opts {
    std::string name = "cli", user, pool, expires;
  };
  auto o = std::make_shared<Opts>();
  create->add_option("--name", o->name, "what the token is for")->capture_default_str();
  create->add_option("--user", o->user, "user id the token acts as (default: you)");
  create->add_option("--pool", o->pool, "restrict the token to one pool (node agents)");
  create->add_option("--expires", o->expires, "expiry time, RFC 3339");
  create->callback([run, o] {
    run->action = [run, o]() -> Status {
      Json body = {{"name", o->name}};
      if (!o->user.empty()) body["user_id"] = o->user;
      if (!o->pool.empty()) body["pool_id"] = o->pool;
      if (!o->expires.empty()) body["expires_at"] = o->expires;
      auto got = run->api().Call("POST", "tokens", body);
      if (!got) return got.error();
      if (run->global.json) {
        PrintJson(run, *got);
        return OkStatus();
      }
      const Json tok = got->value("token", Json::object());
      *run->err << "token " << tok.value("id", "?") << " (" << tok.value("name", o->name)
                << ") created; its secret is shown only this once:\n";
      *run->out << got->value("secret", "") << '\n';
      return OkStatus();
    };
  });
}

}  // namespace suanli::cli
