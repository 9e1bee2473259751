// The deployment's two root secrets: the JWT signing secret and the 32-byte master key that
// seals integration secrets (secret_box.h).
//
// Source, per secret: the Config value (JWT_SECRET / CLV_MASTER_KEY) when set; otherwise the
// file in the data directory (`<data_dir>/jwt_secret.key`, `<data_dir>/master.key`); otherwise
// a new random secret written to that file with mode 0600 (the directory is created 0700 if
// missing). Generation is atomic (temporary file + link), so two processes starting at once on
// the same directory end up with the same secret. The first start with generated secrets
// calls `warn` exactly once, naming the files: they must be backed up (losing master.key loses
// every sealed integration secret) and are per-machine, so scaled-out instances need
// JWT_SECRET / CLV_MASTER_KEY set instead.
//
// Errors: FailedPrecondition when a secrets file is readable by group/others (like ssh, we
// refuse rather than use a possibly leaked key; fix with chmod 600) or its content is not a
// valid secret; Internal for I/O failures. Messages name the file.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"

namespace clv::security {

struct Secrets {
  std::string jwt_secret;    // >= 32 bytes
  std::string master_key;    // exactly 32 raw bytes
  bool jwt_secret_generated = false;  // created by this call
  bool master_key_generated = false;
};

inline constexpr std::string_view kJwtSecretFile = "jwt_secret.key";
inline constexpr std::string_view kMasterKeyFile = "master.key";

using WarnCallback = std::function<void(std::string_view message)>;

Result<Secrets> LoadOrCreateSecrets(const Config& config, const WarnCallback& warn);

}  // namespace clv::security
