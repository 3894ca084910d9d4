#include "pgtide/lake/lake_state.h"

#include "pgtide/lake/snapshot_state.h"

namespace pgtide::lake {

arrow::Result<LakeStateView> LoadLakeState(
    TablePointer* pointer, const state::StateFile& csv,
    const std::vector<std::pair<std::string, TableIdent>>& tables) {
  LakeStateView view;
  view.state = csv;
  for (const auto& [name, t] : tables) {
    ARROW_ASSIGN_OR_RAISE(auto current, pointer->Load(t));
    if (current) {
      ARROW_ASSIGN_OR_RAISE(auto line, StateOfTable(name, current->metadata));
      if (line) view.state.Upsert(*line);
    }
    view.pointers[name] = std::move(current);
  }
  return view;
}

}  // namespace pgtide::lake
