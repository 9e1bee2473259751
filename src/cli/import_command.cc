// `clv import FILE.csv`: loads an orders CSV of any size into one organization, all or nothing.
// Same parser and rules as POST /orders/import (ingest/orders_csv.h); the file is streamed in
// chunks, so memory stays bounded.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/platform.h"

namespace clv::cli {
namespace {

constexpr std::size_t kChunkBytes = 4 << 20;

struct ImportOptions {
  std::string file;
  std::int64_t tenant = 0;
  std::string email;  // pick the organization of this user instead of --tenant
  std::string source = "csv";
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

int RunImport(const ImportOptions& options) {
  if ((options.tenant > 0) == !options.email.empty()) {
    PrintError("import", "give exactly one of --tenant ID or --email USER_EMAIL");
    return kExitUsage;
  }
  std::unique_ptr<std::FILE, FileCloser> file(
      options.file == "-" ? stdin : std::fopen(options.file.c_str(), "rb"));
  if (!file) {
    PrintError("import", options.file + ": cannot open: " + std::strerror(errno));
    return kExitNoInput;
  }
  if (options.file == "-") file.release();  // never close stdin

  int exit_code = kExitOk;
  std::unique_ptr<http::Application> app = OpenApplication("import", &exit_code);
  if (!app) return exit_code;

  TenantId tenant{options.tenant};
  if (!options.email.empty()) {
    Result<User> user = app->store().FindUserByEmail(options.email);
    if (!user.ok()) return ReportStatus("import", user.status().WithContext(options.email));
    tenant = user->tenant;
  } else {
    Result<Tenant> found = app->store().GetTenant(tenant);
    if (!found.ok()) return ReportStatus("import", found.status());
  }

  std::FILE* in = file ? file.get() : stdin;
  std::vector<char> buffer(kChunkBytes);
  const auto started = std::chrono::steady_clock::now();
  Result<service::ImportSummary> summary = app->orders().ImportCsv(
      tenant,
      [&]() -> Result<std::string_view> {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
        if (n == 0 && std::ferror(in)) return Unavailable(options.file + ": read error");
        return std::string_view(buffer.data(), n);
      },
      options.source);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!summary.ok()) return ReportStatus("import", summary.status().WithContext(options.file));
  std::printf("imported %lld rows in %.2f s (%.0f rows/s): %lld created, %lld updated, "
              "%lld unchanged\n",
              static_cast<long long>(summary->rows), seconds,
              seconds > 0 ? static_cast<double>(summary->rows) / seconds : 0.0,
              static_cast<long long>(summary->counts.created),
              static_cast<long long>(summary->counts.updated),
              static_cast<long long>(summary->counts.unchanged));
  return kExitOk;
}

CommandRunner SetupImport(CLI::App& cmd) {
  auto options = std::make_shared<ImportOptions>();
  cmd.add_option("file", options->file, "Orders CSV (- for standard input); header: id, "
                 "customer_id, placed_at, total, currency[, status, email, refund_of]")
      ->required();
  cmd.add_option("--tenant", options->tenant, "Organization id to import into");
  cmd.add_option("--email", options->email, "Import into the organization of this user");
  cmd.add_option("--source", options->source, "Source name stored with the orders")
      ->capture_default_str();
  cmd.footer("All or nothing: a file with any bad row imports nothing and lists the bad rows "
             "(line, column, reason). Re-importing the same file changes nothing.");
  return [options] { return RunImport(*options); };
}

}  // namespace

CLV_REGISTER_COMMAND(import, "Import an orders CSV into an organization", SetupImport);

}  // namespace clv::cli
