#include "pgtide/common/near_match.h"

#include <algorithm>
#include <cctype>

namespace pgtide {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

static std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> NearMatches(std::string_view word,
                                     const std::vector<std::string>& candidates,
                                     size_t limit) {
  const size_t allowed = std::clamp<size_t>(word.size() / 3, 1, 3);
  const std::string lower = Lower(word);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    if (c == word) continue;
    // Case differences are the commonest slip (PostgreSQL folds unquoted names): rank
    // them first.
    size_t d = Lower(c) == lower ? 0 : EditDistance(lower, Lower(c)) + 1;
    if (d <= allowed + 1) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (auto& [d, c] : scored) {
    if (out.size() == limit) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

std::string DidYouMean(std::string_view word,
                       const std::vector<std::string>& candidates) {
  auto near = NearMatches(word, candidates);
  if (near.empty()) return "";
  std::string out = "; did you mean ";
  for (size_t i = 0; i < near.size(); ++i) out += (i ? ", " : "") + near[i];
  return out + "?";
}

}  // namespace pgtide
