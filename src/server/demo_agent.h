// The demo's local agent: beside the simulated fleet, `suanli serve --demo` runs a real node
// agent on this machine (a child process of the server), in a pool "local-agent" of the first
// supplier, with a token scoped to that pool. Once the agent has registered, an offer covers
// the machine and a demo job ("hello-suanli") is submitted to it, so a newcomer sees a job
// really run and its output in `suanli job logs -f`.
#pragma once

#include <sys/types.h>

#include <string>
#include <thread>

#include "control/auth.h"
#include "control/registry.h"

namespace suanli::server {

class DemoAgent {
 public:
  DemoAgent(control::Registry* reg, const control::TokenHasher* hasher) : reg_(reg), hasher_(hasher) {}
  ~DemoAgent();
  // Prepares pool and token, starts `<self> agent` against `server_url`, and (in the
  // background) publishes the offer and submits the demo job once the node is up.
  Status Start(const std::string& server_url, const std::string& work_dir);
  void Stop();
  const std::string& pool_id() const { return pool_id_; }

 private:
  Status PreparePoolAndToken(std::string* secret);
  void PublishAndSubmit();

  control::Registry* reg_;
  const control::TokenHasher* hasher_;
  std::string pool_id_, supplier_org_, supplier_user_;
  pid_t pid_ = 0;
  std::thread follow_;
  std::atomic<bool> stop_{false};
};

}  // namespace suanli::server
