// Test helper: the text of a captured-style vendor tool output in src/agent/testdata.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace suanli::agent {

inline std::string Sample(const std::string& name) {
  std::ifstream in(std::string(SUANLI_AGENT_TESTDATA) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace suanli::agent
