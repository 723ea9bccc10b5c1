#include "core/clock.h"

#include <gtest/gtest.h>

namespace suanli {
namespace {

TEST(TimestampTest, FormatAndParseRoundTrip) {
  Timestamp t{1'795'000'123'456};
  std::string text = FormatTimestamp(t);
  Timestamp back;
  ASSERT_TRUE(ParseTimestamp(text, &back));
  EXPECT_EQ(back.ms, t.ms);
}

TEST(TimestampTest, ParsesOffsetsAndDates) {
  Timestamp a, b, c;
  ASSERT_TRUE(ParseTimestamp("2026-01-01T08:00:00+08:00", &a));
  ASSERT_TRUE(ParseTimestamp("2026-01-01T00:00:00Z", &b));
  EXPECT_EQ(a.ms, b.ms);
  ASSERT_TRUE(ParseTimestamp("2026-01-01", &c));
  EXPECT_EQ(c.ms, b.ms);
}

TEST(TimestampTest, RejectsBadText) {
  Timestamp t;
  EXPECT_FALSE(ParseTimestamp("yesterday", &t));
  EXPECT_FALSE(ParseTimestamp("2026-13-01", &t));
  EXPECT_FALSE(ParseTimestamp("2026-01-01T10:00:00", &t));  // no zone
  EXPECT_FALSE(ParseTimestamp("2026-01-01T10:00:00Zjunk", &t));
}

TEST(FakeClockTest, MovesOnlyWhenTold) {
  FakeClock clock(Timestamp{1000});
  EXPECT_EQ(clock.Now().ms, 1000);
  clock.Advance(Millis(250));
  EXPECT_EQ(clock.Now().ms, 1250);
}

}  // namespace
}  // namespace suanli
