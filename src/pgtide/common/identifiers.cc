#include "pgtide/common/identifiers.h"

#include <fmt/format.h>

namespace pgtide {

std::string QuoteIdent(std::string_view ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string EscapeControlChars(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // A C1 control (U+0080..U+009F; U+009B is a one-byte CSI on some terminals).
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string EncodePathSegment(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool hidden_prefix = i == 0 && (c == '.' || c == '_');
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '%' || hidden_prefix) {
      out += fmt::format("%{:02X}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

static std::string KeyPart(std::string_view part) {
  // A plain part holds no '.' and does not start with '"': read back unambiguously.
  if (part.find('.') == std::string_view::npos && (part.empty() || part[0] != '"'))
    return std::string(part);
  return QuoteIdent(part);
}

std::string TableKey(std::string_view schema, std::string_view table) {
  return KeyPart(schema) + "." + KeyPart(table);
}

static bool GlobMatchAt(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star_p = std::string_view::npos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_p = pi++;
      star_t = ti;
      continue;
    }
    if (pi < p.size() && p[pi] == '[') {
      size_t close = p.find(']', pi + 1);
      if (close != std::string_view::npos) {
        bool negate = pi + 1 < close && (p[pi + 1] == '!' || p[pi + 1] == '^');
        bool hit = false;
        for (size_t k = pi + 1 + negate; k < close; ++k) {
          if (k + 2 < close && p[k + 1] == '-') {
            hit |= t[ti] >= p[k] && t[ti] <= p[k + 2];
            k += 2;
          } else {
            hit |= t[ti] == p[k];
          }
        }
        if (hit != negate) {
          pi = close + 1;
          ++ti;
          continue;
        }
      }
    } else if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p + 1;
    ti = ++star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  return GlobMatchAt(pattern, text);
}

}  // namespace pgtide
