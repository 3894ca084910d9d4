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

/// A table's key in the state file, the config file and log lines: schema.table, a part
/// written as a quoted identifier ("a.b", """x") only when it holds a '.' or starts with
/// a '"', which would make the key ambiguous. Every other name (Orders, Quote"d) keeps
/// the original job's plain schema.table form, so its state lines are read as they are.
std::string TableKey(std::string_view schema, std::string_view table);

/// `text` with every control character (C0, DEL, and C1 as UTF-8) escaped as `\n`, `\t`,
/// `\r` or `\xHH`, so a name holding a newline or an ANSI escape can neither forge a
/// log line nor drive the terminal. Everything else (UTF-8 included) is kept.
std::string EscapeControlChars(std::string_view text);

/// Shell-style glob match ('*', '?', '[abc]') of `text` against `pattern`.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace pgtide
