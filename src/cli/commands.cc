#include "cli/commands.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

namespace clv::cli {
namespace {

struct Entry {
  std::string description;
  CommandSetup setup;
};

// Function-local static: registration runs during static initialisation of other files.
std::map<std::string, Entry>& Registry() {
  static std::map<std::string, Entry> registry;
  return registry;
}

// A message on one line: newlines inside library messages would break log scraping.
std::string OneLine(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

bool RegisterCommand(std::string_view name, std::string_view description, CommandSetup setup) {
  Registry()[std::string(name)] = Entry{std::string(description), setup};
  return true;
}

void PrintError(std::string_view command, std::string_view message) {
  std::string line = "clv";
  if (!command.empty()) line += " " + std::string(command);
  line += ": " + OneLine(message) + "\n";
  std::fputs(line.c_str(), stderr);
}

int ReportStatus(std::string_view command, const Status& status) {
  if (status.ok()) return kExitOk;
  PrintError(command, status.message());
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return kExitDataError;
    case StatusCode::kNotFound: return kExitNoInput;
    case StatusCode::kUnavailable: return kExitUnavailable;
    case StatusCode::kInternal: return kExitSoftware;
    default: return kExitFailure;
  }
}

int Main(int argc, char** argv) {
  CLI::App app{"clv — customer lifetime value platform", "clv"};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", "clv 0.1.0");
  std::map<CLI::App*, CommandRunner> runners;
  for (auto& [name, entry] : Registry()) {
    CLI::App* sub = app.add_subcommand(name, entry.description);
    runners[sub] = entry.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string sub;
    for (CLI::App* s : app.get_subcommands()) sub = s->get_name();
    PrintError(sub, std::string(e.what()) + " (see --help)");
    return kExitUsage;
  }
  CLI::App* chosen = app.get_subcommands().front();
  try {
    return runners.at(chosen)();
  } catch (const std::exception& e) {  // a library exception that escaped its adapter: a bug
    PrintError(chosen->get_name(), std::string("internal error: ") + e.what());
    return kExitSoftware;
  }
}

}  // namespace clv::cli
