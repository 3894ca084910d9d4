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
