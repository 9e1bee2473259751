// What the platform commands (serve, migrate, import, demo, user) share: configuration from the
// environment and ./.env, logging, and opening the configured store.
#pragma once

#include <memory>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "http/app.h"
#include "storage/store.h"

namespace clv::cli {

// The environment, then ./.env (real variables win), validated. On error the message names the
// variable; callers exit with kExitConfig.
Result<Config> LoadPlatformConfig();

// spdlog's default logger at the configured level and format (JSON lines or text), on stderr.
void SetupLogging(const Config& config);

// Opens the configured store and applies pending migrations.
Result<std::unique_ptr<storage::Store>> OpenMigratedStore(const Config& config);

// Loads the configuration and builds the application without listening: the store (migrated),
// secrets and services, for the commands that work on the data directly (import, demo, user).
// On failure prints the error and sets *exit_code.
std::unique_ptr<http::Application> OpenApplication(std::string_view command, int* exit_code);

// Prints a configuration error the way every platform command does, and returns kExitConfig.
int ConfigError(std::string_view command, const Status& status);

}  // namespace clv::cli
