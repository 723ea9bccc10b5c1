#include "cli/output.h"

#include <sstream>

#include <gtest/gtest.h>

namespace suanli::cli {
namespace {

TEST(Output, DisplayWidthCountsCjkAsTwo) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("成都市"), 6u);
  EXPECT_EQ(DisplayWidth("8卡 H100"), 8u);
  EXPECT_EQ(DisplayWidth("ＡＢ"), 4u);  // full-width Latin
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);  // e + combining acute
}

TEST(Output, TableAlignsMixedScripts) {
  std::ostringstream out;
  PrintTable(out, {"NAME", "CITY"}, {{"成都超算", "成都市"}, {"a", "b"}});
  EXPECT_EQ(out.str(),
            "NAME      CITY\n"
            "成都超算  成都市\n"
            "a         b\n");
}

TEST(Output, TruncateKeepsWidthAndMarksTheCut) {
  EXPECT_EQ(Truncate("abcdef", 4), "abc…");
  EXPECT_EQ(Truncate("成都市青羊区", 5), "成都…");
  EXPECT_EQ(Truncate("ab", 4), "ab");
}

TEST(Output, MoneyAndCells) {
  EXPECT_EQ(FormatFen(123456), "¥1234.56");
  EXPECT_EQ(FormatFen(7), "¥0.07");
  EXPECT_EQ(FormatFen(-250), "-¥2.50");
  EXPECT_EQ(Cell(nlohmann::json()), "-");
  EXPECT_EQ(Cell(nlohmann::json::array({"a", "b"})), "a,b");
  EXPECT_EQ(Cell(nlohmann::json(2.5)), "2.5");
}

}  // namespace
}  // namespace suanli::cli
