#pragma once

// Status assertions for the Iceberg unit tests (the pyarrow wheel ships no
// arrow_testing).

#include <gtest/gtest.h>

#define ICE_CONCAT_INNER(a, b) a##b
#define ICE_CONCAT(a, b) ICE_CONCAT_INNER(a, b)

/// Assert that an arrow::Status is OK.
#define ICE_ASSERT_OK(expr)                          \
  do {                                               \
    ::arrow::Status _ice_st = (expr);                \
    ASSERT_TRUE(_ice_st.ok()) << _ice_st.ToString(); \
  } while (false)

#define ICE_ASSIGN_OR_FAIL_IMPL(tmp, lhs, rexpr)    \
  auto tmp = (rexpr);                               \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).ValueOrDie()

/// Assert that an arrow::Result is OK and move its value into `lhs`.
#define ICE_ASSIGN_OR_FAIL(lhs, rexpr) \
  ICE_ASSIGN_OR_FAIL_IMPL(ICE_CONCAT(_ice_result_, __LINE__), lhs, rexpr)
