#pragma once

#include <string>
#include <string_view>

namespace pgtide {

/// Quotes a PostgreSQL identifier: "My ""odd"" Name". Always quoted, so capitals, spaces,
/// quotes and reserved words survive.
std::string QuoteIdent(std::string_view ident);

/// Quotes a SQL string literal: 'it''s'.
std::string QuoteLiteral(std::string_view value);

/// Escapes a schema or table name for use as one path segment of a folder or S3 key:
/// everything is kept except what a path cannot hold ('/', '\\', '%', control bytes, and
/// a leading '.' or '_' that dataset readers treat as hidden), which becomes %XX.
std::string EncodePathSegment(std::string_view name);

/// `text` with every control character (C0, DEL, and C1 as UTF-8) escaped as `\n`, `\t`,
/// `\r` or `\xHH`, so a name holding a newline or an ANSI escape can neither forge a
/// log line nor drive the terminal. Everything else (UTF-8 included) is kept.
std::string EscapeControlChars(std::string_view text);

/// Shell-style glob match ('*', '?', '[abc]') of `text` against `pattern`.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace pgtide
