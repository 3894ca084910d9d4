#include "pgtide/common/identifiers.h"

#include <gtest/gtest.h>

namespace pgtide {
namespace {

TEST(Identifiers, QuoteIdentDoublesQuotes) {
  EXPECT_EQ(QuoteIdent("Order Items"), "\"Order Items\"");
  EXPECT_EQ(QuoteIdent("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
}

TEST(Identifiers, EncodePathSegmentKeepsNamesButNotSlashes) {
  EXPECT_EQ(EncodePathSegment("Order Items"), "Order Items");
  EXPECT_EQ(EncodePathSegment("a/b"), "a%2Fb");
  EXPECT_EQ(EncodePathSegment("100%"), "100%25");
  EXPECT_EQ(EncodePathSegment("_hidden"), "%5Fhidden");
  EXPECT_EQ(EncodePathSegment("ünïcode"), "ünïcode");
}

TEST(Identifiers, GlobMatch) {
  EXPECT_TRUE(GlobMatch("public.*", "public.orders"));
  EXPECT_FALSE(GlobMatch("public.*", "sales.orders"));
  EXPECT_TRUE(GlobMatch("*.order?", "x.orders"));
  EXPECT_TRUE(GlobMatch("public.[ab]*", "public.b1"));
  EXPECT_FALSE(GlobMatch("public.[!ab]*", "public.b1"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("a", "ab"));
}

}  // namespace
}  // namespace pgtide

namespace pgtide {
namespace {

TEST(Identifiers, EscapeControlCharsForLogLines) {
  EXPECT_EQ(EscapeControlChars("public.plain"), "public.plain");
  EXPECT_EQ(EscapeControlChars("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(EscapeControlChars("x\x1b[31mred\x1b[0m"), "x\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(EscapeControlChars(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(EscapeControlChars("del\x7f"), "del\\x7f");
  EXPECT_EQ(EscapeControlChars("c1\xc2\x9b"
                               "2J"),
            "c1\\u009b2J");
  EXPECT_EQ(EscapeControlChars("ünïcode ✓"), "ünïcode ✓");
}

}  // namespace
}  // namespace pgtide
