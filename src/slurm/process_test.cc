#include "slurm/process.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

namespace suanli::slurm {
namespace {

TEST(SystemCommandRunner, CapturesOutputAndExitCode) {
  SystemCommandRunner runner;
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "echo out; echo err >&2; exit 7"};
  auto r = runner.Run(spec);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->Describe(), "exit 7: err");
}

TEST(SystemCommandRunner, ArgumentsAreNotInterpretedByAShell) {
  SystemCommandRunner runner;
  ProcessSpec spec;
  spec.argv = {"echo", "$(id -u); rm -rf /nonexistent", "*"};
  auto r = runner.Run(spec);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "$(id -u); rm -rf /nonexistent *\n");
}

TEST(SystemCommandRunner, StdinAndExactEnvironment) {
  SystemCommandRunner runner;
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "cat; env | sort"};
  spec.stdin_data = "from stdin\n";
  spec.env = std::vector<std::string>{"A=1", "B=two words"};
  auto r = runner.Run(spec);
  ASSERT_TRUE(r);
  // Only what we gave (the shell adds PWD and friends, nothing from our environment).
  EXPECT_NE(r->out.find("from stdin\n"), std::string::npos);
  EXPECT_NE(r->out.find("A=1\n"), std::string::npos);
  EXPECT_NE(r->out.find("B=two words\n"), std::string::npos);
  EXPECT_EQ(r->out.find("HOME="), std::string::npos);
}

TEST(SystemCommandRunner, TimeoutKillsTheProcessGroup) {
  SystemCommandRunner runner;
  ProcessSpec spec;
  // The child's own child keeps the pipes open: only killing the group ends it.
  spec.argv = {"sh", "-c", "sleep 30 & sleep 30"};
  spec.timeout = std::chrono::milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  auto r = runner.Run(spec);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(SystemCommandRunner, TimeoutAlsoWhenTheProgramClosedItsOutput) {
  SystemCommandRunner runner;
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "exec >/dev/null 2>&1; sleep 30"};
  spec.timeout = std::chrono::milliseconds(300);
  auto r = runner.Run(spec);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->timed_out);
}

TEST(SystemCommandRunner, MissingProgramIsAnError) {
  SystemCommandRunner runner;
  ProcessSpec spec;
  spec.argv = {"suanli-no-such-program"};
  auto r = runner.Run(spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  spec.argv = {"/nonexistent/prog"};
  r = runner.Run(spec);
  ASSERT_FALSE(r);
}

TEST(SystemCommandRunner, DoesNotLeakDescriptors) {
  int opened = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, like a careless library's
  ASSERT_GE(opened, 0);
  int fd = ::fcntl(opened, F_DUPFD, 100);  // far from the few fds ls itself uses
  ::close(opened);
  ASSERT_GE(fd, 100);
  SystemCommandRunner runner;
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "ls /proc/self/fd"};
  auto r = runner.Run(spec);
  ::close(fd);
  ASSERT_TRUE(r);
  // 0, 1, 2 and the fd ls opens for the listing itself; never ours.
  EXPECT_EQ(r->out.find("\n" + std::to_string(fd) + "\n"), std::string::npos) << r->out;
}

}  // namespace
}  // namespace suanli::slurm
