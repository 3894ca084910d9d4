#include "pgtide/lake/lake_state.h"

#include "pgtide/lake/snapshot_state.h"

namespace pgtide::lake {

arrow::Result<LakeStateView> LoadLakeState(TablePointer* pointer,
                                           const state::StateFile& csv,
                                           const std::vector<TableIdent>& tables) {
  LakeStateView view;
  view.state = csv;
  for (const auto& t : tables) {
    ARROW_ASSIGN_OR_RAISE(auto current, pointer->Load(t));
    if (current) {
      ARROW_ASSIGN_OR_RAISE(auto line, StateOfTable(t.ToString(), current->metadata));
      if (line) view.state.Upsert(*line);
    }
    view.pointers[t.ToString()] = std::move(current);
  }
  return view;
}

}  // namespace pgtide::lake
