// `clv migrate`: brings the configured database's schema up to this binary's version.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/platform.h"

namespace clv::cli {
namespace {

struct MigrateOptions {
  bool status_only = false;
};

int RunMigrate(const MigrateOptions& options) {
  Result<Config> config = LoadPlatformConfig();
  if (!config.ok()) return ConfigError("migrate", config.status());
  storage::StoreOptions store_options;
  store_options.pool_size = 1;
  Result<std::unique_ptr<storage::Store>> store =
      storage::OpenStore(config->database_url, store_options);
  if (!store.ok()) return ReportStatus("migrate", store.status());
  Result<int> before = (*store)->SchemaVersion();
  if (!before.ok()) return ReportStatus("migrate", before.status());
  if (options.status_only) {
    std::printf("schema version %d (this clv knows %d)%s\n", *before, storage::kSchemaVersion,
                *before < storage::kSchemaVersion ? ": migrations pending" : "");
    return kExitOk;
  }
  Status migrated = (*store)->Migrate();
  if (!migrated.ok()) return ReportStatus("migrate", migrated);
  if (*before == storage::kSchemaVersion) {
    std::printf("schema is up to date (version %d)\n", *before);
  } else {
    std::printf("migrated %s from version %d to %d\n", std::string((*store)->Backend()).c_str(),
                *before, storage::kSchemaVersion);
  }
  return kExitOk;
}

CommandRunner SetupMigrate(CLI::App& cmd) {
  auto options = std::make_shared<MigrateOptions>();
  cmd.add_flag("--status", options->status_only, "Only print the schema version");
  cmd.footer("The database is DATABASE_URL (environment or ./.env). `clv serve` migrates too.");
  return [options] { return RunMigrate(*options); };
}

}  // namespace

CLV_REGISTER_COMMAND(migrate, "Apply pending database migrations", SetupMigrate);

}  // namespace clv::cli
