#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgtide {

/// Keeps passwords out of every output (stderr, the run log, the summary). Two layers:
///
/// - structural masking of what looks like a password in any text: the password of a
///   URI's user info (`scheme://user:SECRET@host`) and the value of `password=` (keyword
///   form or URI query), quoted or not;
/// - the known secrets of this process, registered once the DSN is known: every password
///   the DSN may hold by either grammar, malformed or not (a password with `@`, `/` or a
///   space is read differently by libpq than the user meant, and libpq then echoes the
///   "host" or "database" it found inside it), PGPASSWORD, and their fragments. Every
///   occurrence of a secret, and every word-bounded run of 4+ characters of one, is
///   masked.
///
/// Thread-safe. RunLog applies Redact to every line; the summary applies it to every
/// text.

/// What every masked secret is replaced by.
inline constexpr const char* kSecretMask = "********";

/// The password spans `dsn` may carry, raw and percent-decoded, read by both grammars as
/// generously as possible (up to the last `@` of a URI's authority, up to the next
/// `key=` after `password=`, to the end of an unterminated quote). Empty when none.
std::vector<std::string> PasswordCandidates(std::string_view dsn);

/// Registers `secret` (ignored when empty). Safe to call more than once.
void RegisterSecret(std::string_view secret);

/// Registers every password candidate of `dsn`, and PGPASSWORD.
void RegisterDsnSecrets(std::string_view dsn);

/// `text` with structural masking and every registered secret masked.
std::string Redact(std::string_view text);

/// `dsn` with its password spans masked (structure only; for descriptions).
std::string MaskDsn(std::string_view dsn);

/// True when `value`, a host, port, database or user that libpq read out of `dsn`, came
/// (in whole or in part) from inside one of its password spans: it is then a secret.
bool CameFromPassword(std::string_view value, std::string_view dsn);

/// Forgets the registered secrets (tests only).
void ClearSecretsForTesting();

}  // namespace pgtide
