#pragma once

// The Authorization header of an Iceberg REST catalog, from the environment (README
// "Catalogs"): a bearer token (PGTIDE_CATALOG_TOKEN, or the file
// PGTIDE_CATALOG_TOKEN_FILE names) or OAuth2 client credentials
// (PGTIDE_CATALOG_CREDENTIAL=client_id:secret, exchanged at <uri>/v1/oauth/tokens, or
// PGTIDE_CATALOG_OAUTH_URI, for a token with scope PGTIDE_CATALOG_SCOPE, default
// "catalog"). Every secret is registered with common/secrets.h before it is used, so no
// output shows it.

#include <arrow/result.h>

#include <string>

namespace pgtide::lake {

/// "Authorization: Bearer …", or "" when the environment names no credentials.
/// `base_uri`: the catalog's URI without a trailing slash.
arrow::Result<std::string> RestAuthorizationHeader(const std::string& base_uri,
                                                   double timeout_s);

}  // namespace pgtide::lake
