#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgtide {

/// Levenshtein distance (insertions, deletions, substitutions; bytes).
size_t EditDistance(std::string_view a, std::string_view b);

/// The candidates a user most likely meant by `word`, best first, at most `limit`: equal
/// ignoring ASCII case, or within an edit distance of a third of the word (at least 1,
/// at most 3). Used in "did you mean" hints.
std::vector<std::string> NearMatches(std::string_view word,
                                     const std::vector<std::string>& candidates,
                                     size_t limit = 5);

/// "; did you mean a, b?" or "" when there is nothing near.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace pgtide
