#include "server/demo_agent.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "control/bootstrap.h"

namespace suanli::server {

using namespace domain;

namespace {

const control::Actor kDemo{"system", "", "demo-agent"};
constexpr const char* kPoolName = "local-agent";

// The demo job: counts steps, keeps its place in its checkpoint directory (so a requeued run
// resumes where it stopped), and prints a little training-like output.
constexpr const char* kDemoCommand =
    "start=$(cat \"$SUANLI_CHECKPOINT_DIR/step\" 2>/dev/null || echo 0); "
    "echo \"hello from suanli: task $SUANLI_TASK_INDEX, attempt $SUANLI_RESTART_COUNT, "
    "resuming at step $start\"; "
    "i=$start; while [ $i -lt 60 ]; do i=$((i+1)); "
    "echo \"step $i/60 loss=$(awk \"BEGIN{printf \\\"%.4f\\\", 2.5/($i+1)}\")\"; "
    "echo $i > \"$SUANLI_CHECKPOINT_DIR/step\"; sleep 1; done; echo done";

}  // namespace

DemoAgent::~DemoAgent() { Stop(); }

Status DemoAgent::PreparePoolAndToken(std::string* secret) {
  // The first supplier (by id) with a site hosts the local machine.
  std::shared_ptr<const Site> site;
  reg_->ForEach<Site>([&](const control::Entry<Site>& e) {
    if (site) return;
    auto org = reg_->Get<Org>(e.obj->org_id);
    if (org && std::find(org->obj->roles.begin(), org->obj->roles.end(), "supplier") !=
                   org->obj->roles.end())
      site = e.obj;
  });
  if (!site) return FailedPrecondition("the demo network has no supplier site");
  supplier_org_ = site->org_id;
  reg_->ForEach<User>([&](const control::Entry<User>& e) {
    if (supplier_user_.empty() && e.obj->org_id == supplier_org_ && e.obj->role == "admin")
      supplier_user_ = e.obj->id;
  });
  if (supplier_user_.empty()) return FailedPrecondition("the demo supplier has no admin");
  reg_->ForEach<Pool>([&](const control::Entry<Pool>& e) {
    if (e.obj->name == kPoolName && e.obj->org_id == supplier_org_) pool_id_ = e.obj->id;
  });
  *secret = control::NewTokenSecret(reg_->ids());
  const std::string hash = hasher_->Hash(*secret);
  return reg_->WriteSync(kDemo, [&](control::Txn& txn) -> Status {
    if (pool_id_.empty()) {
      Pool p;
      p.id = txn.ids().NewId("pool");
      p.org_id = supplier_org_;
      p.site_id = site->id;
      p.name = kPoolName;
      p.kind = "general";
      p.driver = "agent";
      p.description = "this machine, run by the demo's local node agent";
      txn.Put(p, "create");
      pool_id_ = p.id;
    }
    // One live agent token: earlier ones are revoked.
    for (const auto& [id, e] : txn.registry().TableOf<Token>())
      if (e.obj->name == "demo-local-agent") txn.Delete<Token>(id);
    Token t;
    t.id = txn.ids().NewId("tok");
    t.org_id = supplier_org_;
    t.user_id = supplier_user_;
    t.name = "demo-local-agent";
    t.prefix = secret->substr(0, 8);
    t.hash = hash;
    t.pool_id = pool_id_;
    txn.Put(t, "create");
    return OkStatus();
  });
}

Status DemoAgent::Start(const std::string& server_url, const std::string& work_dir) {
  std::string secret;
  SUANLI_RETURN_IF_ERROR(PreparePoolAndToken(&secret));
  char host[128] = {0};
  ::gethostname(host, sizeof host - 1);
  const std::string name = std::string(host) + "-local";
  pid_ = ::fork();
  if (pid_ < 0) return Internal(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    // The agent must not hold the server's sockets (a listening socket inherited here would
    // keep accepting connections after the server died).
    for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    // The demo agent lives and dies with its server (even a kill -9 of the server).
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() == 1) _exit(0);
    ::setenv("SUANLI_TOKEN", secret.c_str(), 1);
    const char* argv[] = {"suanli", "agent", "--server", server_url.c_str(), "--work-dir",
                          work_dir.c_str(), "--name", name.c_str(), "--simulate-devices",
                          "2xA10", "--wait-ms", "1000", nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(argv));
    _exit(127);
  }
  std::fprintf(stderr, "suanli demo: local agent started (pid %d) for pool %s\n", pid_,
               pool_id_.c_str());
  follow_ = std::thread([this] { PublishAndSubmit(); });
  return OkStatus();
}

void DemoAgent::PublishAndSubmit() {
  // Wait for the agent's node, then cover it with an offer and submit the demo job once.
  std::shared_ptr<const Node> node;
  for (int i = 0; i < 600 && !stop_.load() && !node; ++i) {
    reg_->ForEach<Node>([&](const control::Entry<Node>& e) {
      if (e.obj->pool_id == pool_id_ && e.obj->executor == "agent") node = e.obj;
    });
    if (!node) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!node) return;
  std::string buyer_org, buyer_user;
  reg_->ForEach<Org>([&](const control::Entry<Org>& e) {
    const auto& r = e.obj->roles;
    if (buyer_org.empty() && std::find(r.begin(), r.end(), "buyer") != r.end() &&
        std::find(r.begin(), r.end(), "supplier") == r.end())
      buyer_org = e.obj->id;
  });
  reg_->ForEach<User>([&](const control::Entry<User>& e) {
    if (buyer_user.empty() && e.obj->org_id == buyer_org) buyer_user = e.obj->id;
  });
  Status s = reg_->WriteSync(kDemo, [&](control::Txn& txn) -> Status {
    std::string offer_id;
    for (const auto& [id, e] : txn.registry().TableOf<Offer>())
      if (e.obj->pool_id == pool_id_) offer_id = id;
    if (offer_id.empty()) {
      Offer o;
      o.id = txn.ids().NewId("offer");
      o.org_id = supplier_org_;
      o.pool_id = pool_id_;
      o.site_id = node->site_id;
      o.kind = "general";
      o.name = "local machine, 1 core";
      o.cpu_cores = 1;
      o.memory_gib = 1;
      o.quantity = 1;
      o.price_fen_per_hour = 50;
      txn.Put(o, "create");
      offer_id = o.id;
    }
    for (const auto& [id, e] : txn.registry().TableOf<Job>())
      if (e.obj->name == "hello-suanli") return OkStatus();  // submitted on an earlier start
    if (buyer_org.empty()) return OkStatus();
    Job j;
    j.id = txn.ids().NewId("job");
    j.org_id = buyer_org;
    j.user_id = buyer_user;
    j.name = "hello-suanli";
    j.cpu_cores = 1;
    j.memory_gib = 1;
    j.commands = {{"CPU", kDemoCommand}};
    j.duration_estimate_s = 60;
    j.offer_id = offer_id;
    txn.Put(j, "create");
    std::fprintf(stderr,
                 "suanli demo: job %s runs on this machine; watch it: suanli job logs %s -f\n",
                 j.id.c_str(), j.id.c_str());
    return OkStatus();
  });
  if (!s.ok()) std::fprintf(stderr, "suanli demo: %s\n", s.ToString().c_str());
}

void DemoAgent::Stop() {
  stop_.store(true);
  if (follow_.joinable()) follow_.join();
  if (pid_ > 0) {
    // SIGTERM lets the agent finish its current sync; it may be waiting on this very server,
    // so after two seconds it is killed (its tasks live on and a restarted agent finds them).
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 40 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = 0;
  }
}

}  // namespace suanli::server
