#include "pgtide/common/secrets.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pgtide/common/log.h"

namespace pgtide {
namespace {

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClearSecretsForTesting();
    unsetenv("PGPASSWORD");
  }
  void TearDown() override { ClearSecretsForTesting(); }
};

/// Fails when any fragment of 3+ characters between the separators of `password` is left
/// in `text`, or the whole password.
void ExpectNoFragment(const std::string& text, const std::string& password) {
  EXPECT_EQ(text.find(password), std::string::npos) << text;
  std::string piece;
  for (size_t i = 0; i <= password.size(); ++i) {
    if (i == password.size() ||
        std::string("@/ :'").find(password[i]) != std::string::npos) {
      if (piece.size() >= 3) {
        EXPECT_EQ(text.find(piece), std::string::npos)
            << "fragment \"" << piece << "\" of \"" << password << "\" in: " << text;
      }
      piece.clear();
    } else {
      piece += password[i];
    }
  }
}

TEST_F(SecretsTest, CandidatesOfWellFormedDsns) {
  EXPECT_EQ(PasswordCandidates("postgresql://u:hunter2@h/db"),
            std::vector<std::string>{"hunter2"});
  EXPECT_EQ(PasswordCandidates("host=h password=hunter2 dbname=d"),
            std::vector<std::string>{"hunter2"});
  auto quoted = PasswordCandidates("host=h password='hun ter2' dbname=d");
  EXPECT_NE(std::find(quoted.begin(), quoted.end(), "hun ter2"), quoted.end());
  auto encoded = PasswordCandidates("postgresql://u:p%40ss%2Fword@h/db");
  EXPECT_NE(std::find(encoded.begin(), encoded.end(), "p@ss/word"), encoded.end());
  EXPECT_TRUE(PasswordCandidates("host=h dbname=d user=u").empty());
  EXPECT_TRUE(PasswordCandidates("postgresql://u@h/db").empty());
  EXPECT_EQ(PasswordCandidates("postgresql://h/db?user=u&password=pw123&sslmode=disable"),
            std::vector<std::string>{"pw123"});
}

TEST_F(SecretsTest, CandidatesOfMalformedDsnsCoverWhatTheUserMeant) {
  // The password holds '@': libpq reads "sec" as the password and "ret-pw99@127.0.0.1" as
  // the host; the generous reading keeps "sec@ret-pw99" secret.
  auto c = PasswordCandidates("postgresql://postgres:sec@ret-pw99@127.0.0.1/db");
  EXPECT_NE(std::find(c.begin(), c.end(), "sec@ret-pw99"), c.end());
  EXPECT_NE(std::find(c.begin(), c.end(), "sec"), c.end());
  c = PasswordCandidates("postgresql://u:p@ss w/rd@h/db");
  EXPECT_NE(std::find(c.begin(), c.end(), "p@ss w/rd"), c.end());
  c = PasswordCandidates("host=h password=p@ss w/rd dbname=d");
  EXPECT_NE(std::find(c.begin(), c.end(), "p@ss w/rd"), c.end());
  c = PasswordCandidates("host=h password='unterminated secret dbname=d");
  EXPECT_NE(std::find(c.begin(), c.end(), "'unterminated secret"), c.end());
}

TEST_F(SecretsTest, MaskDsn) {
  EXPECT_EQ(MaskDsn("postgresql://u:sec@ret@h:5432/db"),
            "postgresql://u:********@h:5432/db");
  EXPECT_EQ(MaskDsn("host=h password='a b' dbname=d"),
            "host=h password=******** dbname=d");
  EXPECT_EQ(MaskDsn("host=h dbname=d"), "host=h dbname=d");
}

TEST_F(SecretsTest, CameFromPassword) {
  const std::string uri = "postgresql://postgres:sec@ret-pw99@127.0.0.1/db";
  EXPECT_TRUE(CameFromPassword("ret-pw99@127.0.0.1", uri));
  EXPECT_FALSE(CameFromPassword("db", uri));
  EXPECT_FALSE(CameFromPassword("postgres", uri));
  EXPECT_FALSE(CameFromPassword("5432", uri));
  const std::string spaced = "postgresql://u:p@ss w/rd@h/db";
  EXPECT_TRUE(CameFromPassword("ss w", spaced));
  EXPECT_TRUE(CameFromPassword("rd@h/db", spaced));
  EXPECT_FALSE(CameFromPassword("u", spaced));
  EXPECT_FALSE(CameFromPassword("/var/run/postgresql", "host=h dbname=d"));
}

TEST_F(SecretsTest, RedactsEveryFormAndFragment) {
  struct Case {
    std::string dsn, password, message;
  } cases[] = {
      {"postgresql://postgres:sec@ret-pw99@127.0.0.1/db", "sec@ret-pw99",
       "could not translate host name \"ret-pw99@127.0.0.1\" to address"},
      {"postgresql://u:p@ss w/rd@h/db", "p@ss w/rd",
       "invalid URI \"postgresql://u:p@ss w/rd@h/db\": host \"ss w\""},
      {"host=127.0.0.1 password=p@ss w/rd dbname=x", "p@ss w/rd",
       "missing \"=\" after \"w/rd\" in connection info string"},
      {"host=127.0.0.1 password=hunter2secret dbname=x", "hunter2secret",
       "host=127.0.0.1 password=hunter2secret dbname=x: failed"},
      {"host=h password='quoted secret' dbname=x", "quoted secret",
       "options: password='quoted secret' and then secret again"},
      {"postgresql://u:Tr0ub4dor%263@h/db", "Tr0ub4dor&3", "password was Tr0ub4dor&3"},
      {"postgresql://u:Tr0ub4dor%263@h/db", "Tr0ub4dor%263",
       "URI postgresql://u:Tr0ub4dor%263@h/db"},
      {"postgresql://u:pa/ss/wo/rd99@h/db", "pa/ss/wo/rd99",
       "could not connect to \"wo/rd99@h\""},
      {"postgresql://h/db?password=qu3ry-pw&user=u", "qu3ry-pw", "bad option qu3ry-pw"},
      {"postgresql://u:a b c longpart@h/db", "a b c longpart",
       "host \"b c longpart@h\" unknown"},
  };
  for (const auto& c : cases) {
    ClearSecretsForTesting();
    RegisterDsnSecrets(c.dsn);
    std::string out = Redact(c.message);
    ExpectNoFragment(out, c.password);
    EXPECT_NE(out.find(kSecretMask), std::string::npos) << out;
  }
}

TEST_F(SecretsTest, StructuralMaskingWithoutRegistration) {
  EXPECT_EQ(Redact("in URI \"postgresql://user:s3cr3t@[::1/db\""),
            "in URI \"postgresql://user:********@[::1/db\"");
  EXPECT_EQ(Redact("conninfo host=h password=s3cr3t dbname=d"),
            "conninfo host=h password=******** dbname=d");
  EXPECT_EQ(Redact("password = 'a b c' x"), "password = ******** x");
}

TEST_F(SecretsTest, PgPasswordIsASecret) {
  setenv("PGPASSWORD", "env-secret-77", 1);
  RegisterDsnSecrets("host=h dbname=d");
  unsetenv("PGPASSWORD");
  ExpectNoFragment(Redact("auth for env-secret-77 failed"), "env-secret-77");
}

TEST_F(SecretsTest, LeavesOrdinaryTextAlone) {
  RegisterDsnSecrets("postgresql://postgres:not-the-Password-42@127.0.0.1:5432/db");
  // Parts of words are not masked: "password" holds "word", as the password does.
  EXPECT_EQ(Redact("password authentication failed for user \"postgres\""),
            "password authentication failed for user \"postgres\"");
  EXPECT_EQ(Redact("table public.orders: full load wrote 120 rows"),
            "table public.orders: full load wrote 120 rows");
}

TEST_F(SecretsTest, RunLogLinesAreRedacted) {
  RegisterSecret("sec@ret-pw99");
  EXPECT_EQ(SanitizeLogMessage("host \"ret-pw99@127.0.0.1\""),
            "host \"********@127.0.0.1\"");
}

TEST(LogSanitize, EscapesControlCharactersButKeepsHints) {
  EXPECT_EQ(SanitizeLogMessage("table public.a\nb\x1b[2J: ok"),
            "table public.a\\nb\\x1b[2J: ok");
  EXPECT_EQ(SanitizeLogMessage("failed\nHINT: do this"), "failed\nHINT: do this");
  EXPECT_EQ(SanitizeLogMessage("failed\nDETAIL: more\tinfo"),
            "failed\nDETAIL: more\\tinfo");
  EXPECT_EQ(SanitizeLogMessage("a\n2026-01-01T00:00:00Z ERROR: forged"),
            "a\\n2026-01-01T00:00:00Z ERROR: forged");
}

}  // namespace
}  // namespace pgtide
