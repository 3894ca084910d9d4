// PlanColumns: the SELECT expression, decoder and Arrow field chosen per PostgreSQL type.

#include "pgtide/source/type_mapping.h"

#include <gtest/gtest.h>

#include "pgtide/source/pg_types.h"

namespace pgtide::source {
namespace {

ColumnInfo Column(const std::string& name, uint32_t oid, std::string type_name) {
  ColumnInfo c;
  c.name = name;
  c.type_oid = c.base_oid = oid;
  c.type_name = std::move(type_name);
  return c;
}

ColumnInfo ArrayOf(const std::string& name, uint32_t elem, std::string type_name) {
  ColumnInfo c = Column(name, 0, std::move(type_name));
  c.elem_oid = elem;
  c.ndims = 1;
  return c;
}

std::vector<ColumnPlan> PlanOne(const ColumnInfo& c) {
  TableInfo t;
  t.schema = "public";
  t.name = "t";
  t.columns = {c};
  return PlanColumns(t);
}

TEST(TypeMapping, MoneyIsADecimalAtTheServersScale) {
  ColumnInfo c = Column("m", kMoney, "money");
  c.money_scale = 3;
  auto p = PlanOne(c)[0];
  EXPECT_EQ(p.select_expr, "\"m\"::numeric");
  EXPECT_EQ(p.field->type()->ToString(), "decimal128(19, 3)");
  EXPECT_TRUE(p.text_fallback_warning.empty());
}

TEST(TypeMapping, TimeUuidIntervalAreSparkReadable) {
  EXPECT_EQ(PlanOne(Column("t", kTime, "time"))[0].field->type()->ToString(), "int64");
  EXPECT_EQ(PlanOne(Column("u", kUuid, "uuid"))[0].field->type()->ToString(), "string");
  EXPECT_EQ(PlanOne(Column("i", kInterval, "interval"))[0].field->type()->ToString(),
            "struct<months: int32 not null, days: int32 not null, "
            "microseconds: int64 not null>");
}

TEST(TypeMapping, TextFormsUseTheOutputFunction) {
  auto inet = PlanOne(Column("a", kInet, "inet"))[0];
  EXPECT_EQ(inet.select_expr, "CASE WHEN \"a\" IS NOT NULL THEN format('%s', \"a\") END");
  EXPECT_FALSE(inet.text_fallback_warning.empty());
  auto inets = PlanOne(ArrayOf("a", kInet, "inet[]"))[0];
  EXPECT_EQ(inets.select_expr,
            "CASE WHEN \"a\" IS NOT NULL THEN format('%s', \"a\")::text[] END");
  EXPECT_EQ(inets.field->type()->ToString(), "list<element: string>");
  auto timetz = PlanOne(Column("z", kTimetz, "time with time zone"))[0];
  EXPECT_EQ(timetz.select_expr, "\"z\"::text");
  EXPECT_TRUE(PlanOne(Column("c", kChar, "\"char\""))[0].text_fallback_warning.empty());
}

TEST(TypeMapping, ArraysOfTextFormsStayLists) {
  auto p = PlanOne(ArrayOf("n", kNumeric, "numeric[]"))[0];
  EXPECT_EQ(p.select_expr, "\"n\"::text[]");
  EXPECT_EQ(p.field->type()->ToString(), "list<element: string>");
  EXPECT_TRUE(p.text_fallback_warning.empty());
}

TEST(TypeMapping, TextFormsOtherThanNumericWarn) {
  auto p = PlanOne(Column("p", 600, "point"))[0];
  EXPECT_EQ(p.select_expr, "\"p\"::text");
  EXPECT_NE(p.text_fallback_warning.find("column \"p\" of table public.t has type point"),
            std::string::npos);
}

TEST(TypeMapping, NotNullAndPgTypeReachTheField) {
  ColumnInfo c = Column("n", kNumeric, "numeric(12,2)");
  c.typmod = ((12 << 16) | 2) + 4;
  c.not_null = true;
  auto p = PlanOne(c)[0];
  EXPECT_EQ(p.field->type()->ToString(), "decimal128(12, 2)");
  EXPECT_FALSE(p.field->nullable());
  EXPECT_EQ(p.field->metadata()->Get("pg_type").ValueOrDie(), "numeric(12,2)");
}

}  // namespace
}  // namespace pgtide::source
