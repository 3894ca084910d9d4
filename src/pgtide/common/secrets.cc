#include "pgtide/common/secrets.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <set>

namespace pgtide {

namespace {

struct Span {
  size_t begin, end;  // [begin, end) in the DSN
};

bool IsWord(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() &&
        std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// True when `s[at...]` starts a `key=` of the keyword grammar (a word, spaces, '=').
bool StartsKeyword(std::string_view s, size_t at) {
  size_t i = at;
  while (i < s.size() && (IsWord(s[i]) || s[i] == '_')) ++i;
  if (i == at) return false;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i < s.size() && s[i] == '=';
}

/// Where the value of a `password=` starting at `v` ends, read generously: a quoted value
/// to its closing quote (or the end when unterminated), else up to the next ` key=` (or
/// `&` in a URI query) — a space inside an unquoted password is the user's mistake, and
/// libpq then echoes the words after it.
size_t GenerousValueEnd(std::string_view s, size_t v, bool in_uri) {
  if (v < s.size() && s[v] == '\'') {
    size_t i = v + 1;
    for (; i < s.size() && s[i] != '\''; ++i) {
      if (s[i] == '\\') ++i;
    }
    // Unterminated: libpq refuses it; the password the user meant ends before the next
    // " key=" (masking to the end would hide the words of the error and its hint).
    if (i < s.size()) return i + 1;
  }
  for (size_t i = v; i < s.size(); ++i) {
    if (in_uri && s[i] == '&') return i;
    if (IsSpace(s[i])) {
      size_t k = i;
      while (k < s.size() && IsSpace(s[k])) ++k;
      if (k == s.size() || StartsKeyword(s, k)) return i;
    }
  }
  return s.size();
}

/// The password spans of `dsn` by both grammars, read generously.
std::vector<Span> PasswordSpans(std::string_view dsn) {
  std::vector<Span> spans;
  size_t lead = 0;
  while (lead < dsn.size() && IsSpace(dsn[lead])) ++lead;
  std::string_view body = dsn.substr(lead);
  bool uri = false;
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (!StartsWithNoCase(body, scheme)) continue;
    uri = true;
    size_t begin = lead + scheme.size();
    // User info ends at the last '@' before the query, or the last '@' of all when the
    // query holds none (a password may hold '/', '?', ' ' and '@').
    size_t query = dsn.find('?', begin);
    size_t at = dsn.rfind('@', query == std::string_view::npos ? dsn.size() : query);
    if (at == std::string_view::npos || at < begin) at = dsn.rfind('@');
    if (at == std::string_view::npos || at < begin) break;
    size_t colon = dsn.find(':', begin);
    if (colon != std::string_view::npos && colon < at) spans.push_back({colon + 1, at});
    break;
  }
  // password= in the keyword grammar or a URI query (password=...&...).
  for (size_t at = 0; (at = dsn.find("password", at)) != std::string_view::npos;
       at += 8) {
    if (at > 0 && (IsWord(dsn[at - 1]) || dsn[at - 1] == '_')) continue;
    size_t v = at + 8;
    while (v < dsn.size() && IsSpace(dsn[v])) ++v;
    if (v >= dsn.size() || dsn[v] != '=') continue;
    ++v;
    while (v < dsn.size() && IsSpace(dsn[v])) ++v;
    size_t end = GenerousValueEnd(dsn, v, uri);
    if (end > v) spans.push_back({v, end});
  }
  return spans;
}

/// One registered secret and its fragments (split at '@', '/', ':', quotes, spaces).
struct Secret {
  std::string text;
  std::set<std::string> pieces;
};

struct Registry {
  std::mutex mu;
  std::vector<Secret> secrets;  // longest first
};

Registry& TheRegistry() {
  static Registry r;
  return r;
}

void AddUnique(std::vector<std::string>* out, std::string s) {
  if (!s.empty() && std::find(out->begin(), out->end(), s) == out->end()) {
    out->push_back(std::move(s));
  }
}

/// Masks `scheme://user:PASSWORD@` and `password=VALUE` wherever they appear in `text`.
void MaskStructure(std::string* text) {
  std::string& msg = *text;
  for (size_t at = msg.find("://"); at != std::string::npos;
       at = msg.find("://", at + 3)) {
    size_t begin = at + 3;
    size_t end = msg.find_first_of("/?\" \t\n", begin);
    if (end == std::string::npos) end = msg.size();
    size_t amp = msg.rfind('@', end);
    if (amp == std::string::npos || amp < begin) continue;
    size_t colon = msg.find(':', begin);
    if (colon == std::string::npos || colon >= amp) continue;
    msg.replace(colon + 1, amp - colon - 1, kSecretMask);
  }
  for (size_t at = msg.find("password"); at != std::string::npos;
       at = msg.find("password", at + 8)) {
    size_t v = at + 8;
    while (v < msg.size() && msg[v] == ' ') ++v;
    if (v >= msg.size() || msg[v] != '=') continue;
    ++v;
    while (v < msg.size() && msg[v] == ' ') ++v;
    if (v >= msg.size()) break;
    size_t end;
    if (msg[v] == '\'') {
      end = GenerousValueEnd(msg, v, false);
    } else {
      end = msg.find_first_of(" \t\n\"&", v);
      if (end == std::string::npos) end = msg.size();
    }
    if (msg.compare(v, end - v, kSecretMask) != 0) msg.replace(v, end - v, kSecretMask);
  }
}

bool StartBoundary(const std::string& s, size_t i) {
  return i == 0 || !IsWord(s[i - 1]) || !IsWord(s[i]);
}
bool EndBoundary(const std::string& s, size_t j) {
  return j >= s.size() || !IsWord(s[j]) || !IsWord(s[j - 1]);
}

/// Masks every word-bounded run of `text` that is part of `secret`: 4+ characters, or a
/// whole fragment of 3.
void MaskFragments(std::string* text, const Secret& secret) {
  std::string& s = *text;
  const std::string& sec = secret.text;
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    if (StartBoundary(s, i)) {
      while (i + len < s.size() &&
             sec.find(std::string_view(s).substr(i, len + 1)) != std::string::npos) {
        ++len;
      }
    }
    size_t masked = 0;
    for (size_t l = len; l >= 3; --l) {
      if (!EndBoundary(s, i + l)) continue;
      if (l >= 4 || secret.pieces.count(s.substr(i, l))) {
        masked = l;
        break;
      }
    }
    if (masked > 0) {
      s.replace(i, masked, kSecretMask);
      i += std::string_view(kSecretMask).size();
    } else {
      ++i;
    }
  }
}

}  // namespace

std::vector<std::string> PasswordCandidates(std::string_view dsn) {
  std::vector<std::string> out;
  for (const Span& sp : PasswordSpans(dsn)) {
    std::string_view raw = dsn.substr(sp.begin, sp.end - sp.begin);
    AddUnique(&out, std::string(raw));
    // libpq's own reading: up to the first '@' or space.
    size_t narrow = raw.find_first_of("@ \t\n");
    if (narrow != std::string_view::npos) {
      AddUnique(&out, std::string(raw.substr(0, narrow)));
    }
    if (!raw.empty() && raw.front() == '\'') {
      std::string unquoted;
      for (size_t i = 1; i < raw.size() && raw[i] != '\''; ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
        unquoted += raw[i];
      }
      AddUnique(&out, unquoted);
    }
    AddUnique(&out, PercentDecode(raw));
  }
  return out;
}

void RegisterSecret(std::string_view secret) {
  if (secret.empty() || secret == kSecretMask) return;
  Secret s;
  s.text = std::string(secret);
  size_t b = 0;
  for (size_t i = 0; i <= s.text.size(); ++i) {
    if (i == s.text.size() ||
        std::string_view("@/: \t\n'\"").find(s.text[i]) != std::string_view::npos) {
      if (i > b) s.pieces.insert(s.text.substr(b, i - b));
      b = i + 1;
    }
  }
  auto& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const auto& e : r.secrets) {
    if (e.text == s.text) return;
  }
  r.secrets.push_back(std::move(s));
  std::stable_sort(
      r.secrets.begin(), r.secrets.end(),
      [](const Secret& a, const Secret& b) { return a.text.size() > b.text.size(); });
}

void RegisterDsnSecrets(std::string_view dsn) {
  for (const auto& c : PasswordCandidates(dsn)) RegisterSecret(c);
  if (const char* pw = std::getenv("PGPASSWORD")) RegisterSecret(pw);
}

std::string Redact(std::string_view text) {
  std::string out(text);
  MaskStructure(&out);
  auto& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const auto& s : r.secrets) {
    if (s.text.size() < 3) continue;  // too short to find without masking everything
    for (size_t at = out.find(s.text); at != std::string::npos;
         at = out.find(s.text, at + std::string_view(kSecretMask).size())) {
      out.replace(at, s.text.size(), kSecretMask);
    }
  }
  for (const auto& s : r.secrets) MaskFragments(&out, s);
  return out;
}

std::string MaskDsn(std::string_view dsn) {
  std::string out(dsn);
  auto spans = PasswordSpans(dsn);
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin > b.begin; });
  size_t limit = out.size();
  for (const Span& sp : spans) {   // from the end, so earlier offsets stay valid
    if (sp.end > limit) continue;  // overlaps one already masked
    out.replace(sp.begin, sp.end - sp.begin, kSecretMask);
    limit = sp.begin;
  }
  return out;
}

bool CameFromPassword(std::string_view value, std::string_view dsn) {
  if (value.empty()) return false;
  auto spans = PasswordCandidates(dsn);
  if (spans.empty()) return false;
  if (MaskDsn(dsn).find(value) != std::string::npos) return false;  // visible anyway
  for (const auto& s : spans) {
    if (s.find(value) != std::string::npos) return true;
    // libpq's "host" or "dbname" begins inside the password ("ret-pw99@127.0.0.1") or
    // ends inside it.
    for (size_t l = std::min(s.size(), value.size()); l >= 2; --l) {
      if (value.substr(0, l) == std::string_view(s).substr(s.size() - l)) return true;
      if (value.substr(value.size() - l) == std::string_view(s).substr(0, l)) return true;
    }
    for (size_t i = 0; i + 3 <= value.size(); ++i) {
      if (s.find(value.substr(i, 3)) != std::string::npos) return true;
    }
  }
  return false;
}

void ClearSecretsForTesting() {
  auto& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.secrets.clear();
}

}  // namespace pgtide
