#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pgtide/source/catalog.h"

namespace pgtide::job {

/// Maps the names a state file or job file uses to tables. A table's own key is
/// common/identifiers.h TableKey ("a.b".c); the original job's plain schema.table form is
/// still read, but only when no other table of the schemas shares it ("a.b".c and
/// a."b.c" both print as a.b.c).
class TableKeys {
 public:
  explicit TableKeys(const std::vector<source::TableName>& every_table);

  /// The name under which `t` is found among the names for which `present` is true: its
  /// key, else its unambiguous original-job form; "" when neither. `ambiguous` is set
  /// when only an ambiguous original-job form was present.
  std::string Find(const source::TableInfo& t,
                   const std::function<bool(const std::string&)>& present,
                   bool* ambiguous = nullptr) const;

  /// Whether `name` (a job file's table) names a table of the schemas, and which tables
  /// it could mean when it is ambiguous (two or more entries).
  std::vector<std::string> Candidates(const std::string& name) const;

  /// Every table's key, for "did you mean" hints.
  std::vector<std::string> AllKeys() const;

 private:
  std::map<std::string, std::vector<std::string>> keys_by_name_;  // key/legacy -> keys
  std::vector<std::string> keys_;
};

}  // namespace pgtide::job
