// Subcommand registry of the `clv` binary.
//
// Each subcommand lives in src/cli/<name>_command.cc and registers itself at static
// initialisation with CLV_REGISTER_COMMAND, so adding a command edits no shared file:
//
//   namespace {
//   CommandRunner SetupFit(CLI::App& cmd) {
//     auto opts = std::make_shared<FitOptions>();
//     cmd.add_option("--input", opts->input, "...")->required();
//     return [opts] { return RunFit(*opts); };
//   }
//   }  // namespace
//   CLV_REGISTER_COMMAND(fit, "Fit a model to a file of transactions or summaries", SetupFit);
//
// A runner returns one of the exit codes below. Errors go to stderr as one line,
// "clv <command>: <message>" (PrintError).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string_view>

#include "core/status.h"

namespace clv::cli {

// Exit codes, from sysexits.h where one fits, so scripts can tell failures apart.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // the command ran and failed (e.g. fit did not converge)
inline constexpr int kExitUsage = 2;        // bad flags or arguments
inline constexpr int kExitDataError = 65;   // the input data is wrong (file line and column given)
inline constexpr int kExitNoInput = 66;     // an input file cannot be opened
inline constexpr int kExitUnavailable = 69; // a dependency (database, port) is unavailable
inline constexpr int kExitSoftware = 70;    // an internal error
inline constexpr int kExitConfig = 78;      // bad configuration (names the variable)

using CommandRunner = std::function<int()>;
// Adds the command's options to `cmd` and returns what runs it once the arguments are parsed.
using CommandSetup = CommandRunner (*)(CLI::App& cmd);

bool RegisterCommand(std::string_view name, std::string_view description, CommandSetup setup);

// Prints "clv <command>: <message>" on one line to stderr.
void PrintError(std::string_view command, std::string_view message);

// Maps a Status to the exit code above (InvalidArgument → 65, Unavailable → 69, …) after
// printing it with PrintError.
int ReportStatus(std::string_view command, const Status& status);

int Main(int argc, char** argv);

}  // namespace clv::cli

#define CLV_REGISTER_COMMAND(name, description, setup)                              \
  [[maybe_unused]] static const bool clv_command_registered_##name =                \
      ::clv::cli::RegisterCommand(#name, description, setup)
