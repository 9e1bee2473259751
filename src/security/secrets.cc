#include "security/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "security/encoding.h"
#include "security/jwt.h"
#include "security/random.h"
#include "security/secret_box.h"

namespace clv::security {
namespace {

namespace fs = std::filesystem;

std::string Errno(const std::string& what, const fs::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

// Closes a descriptor on every path out of a function.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

enum class ReadOutcome { kRead, kMissing };

// Reads a secrets file if it exists, refusing group/other-accessible ones.
Result<ReadOutcome> ReadSecretFile(const fs::path& path, std::string& content) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (f.fd < 0) {
    if (errno == ENOENT) return ReadOutcome::kMissing;
    return Internal(Errno("cannot open", path));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return Internal(Errno("cannot stat", path));
  if (!S_ISREG(st.st_mode)) return FailedPrecondition(path.string() + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPrecondition(path.string() + ": permissions " + mode +
                              " are too open for a secret; run chmod 600 " + path.string());
  }
  if (st.st_size > 4096) return FailedPrecondition(path.string() + ": too large for a secret");
  content.assign(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < content.size()) {
    ssize_t n = ::read(f.fd, content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(Errno("cannot read", path));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  content.resize(got);
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' ||
                              content.back() == ' '))
    content.pop_back();
  return ReadOutcome::kRead;
}

// Writes `content` to `path` only if `path` does not exist yet: a 0600 temporary file is
// written and fsynced, then hard-linked into place (link fails with EEXIST if another process
// won the race, in which case its file is the one to use). Returns true if ours was placed.
Result<bool> CreateSecretFile(const fs::path& path, std::string_view content) {
  fs::path tmp = path;
  tmp += ".tmp." + RandomId();
  {
    Fd f;
    f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f.fd < 0) return Internal(Errno("cannot create", tmp));
    // The umask may only remove bits, but set the mode explicitly all the same.
    if (::fchmod(f.fd, 0600) != 0) return Internal(Errno("cannot chmod", tmp));
    std::size_t put = 0;
    while (put < content.size()) {
      ssize_t n = ::write(f.fd, content.data() + put, content.size() - put);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::unlink(tmp.c_str());
        return Internal(Errno("cannot write", tmp));
      }
      put += static_cast<std::size_t>(n);
    }
    if (::fsync(f.fd) != 0) {
      ::unlink(tmp.c_str());
      return Internal(Errno("cannot fsync", tmp));
    }
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return true;
  if (link_errno == EEXIST) return false;
  errno = link_errno;
  return Internal(Errno("cannot create", path));
}

// Validates file content and turns it into the secret's bytes.
using Decoder = std::optional<std::string> (*)(std::string_view);

std::optional<std::string> DecodeJwtSecret(std::string_view text) {
  if (text.size() < kMinJwtSecretBytes) return std::nullopt;
  return std::string(text);
}

std::optional<std::string> DecodeMasterKeyFile(std::string_view text) {
  std::optional<std::string> key = HexDecode(text);
  if (!key || key->size() != kMasterKeyBytes) return std::nullopt;
  return key;
}

// Reads the secret at `path`, creating it from `fresh` (already encoded) when missing.
Result<std::string> LoadOrCreate(const fs::path& path, const std::string& fresh, Decoder decode,
                                 bool& generated) {
  generated = false;
  std::string content;
  CLV_ASSIGN_OR_RETURN(ReadOutcome outcome, ReadSecretFile(path, content));
  if (outcome == ReadOutcome::kMissing) {
    CLV_ASSIGN_OR_RETURN(generated, CreateSecretFile(path, fresh + "\n"));
    if (generated) {
      content = fresh;
    } else {
      CLV_ASSIGN_OR_RETURN(outcome, ReadSecretFile(path, content));
      if (outcome == ReadOutcome::kMissing)
        return Internal(path.string() + ": vanished while being created");
    }
  }
  std::optional<std::string> secret = decode(content);
  if (!secret) return FailedPrecondition(path.string() + ": does not hold a valid secret");
  return std::move(*secret);
}

}  // namespace

Result<Secrets> LoadOrCreateSecrets(const Config& config, const WarnCallback& warn) {
  Secrets secrets;
  const bool need_jwt = !config.jwt_secret.has_value();
  const bool need_master = !config.master_key.has_value();
  if (config.jwt_secret) secrets.jwt_secret = *config.jwt_secret;
  if (config.master_key) secrets.master_key = *config.master_key;
  if (!need_jwt && !need_master) return secrets;

  const fs::path dir(config.data_dir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return Internal("cannot create data directory " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return Internal("cannot set permissions on " + dir.string() + ": " + ec.message());
  } else if (!fs::is_directory(dir, ec)) {
    return FailedPrecondition("CLV_DATA_DIR " + dir.string() + " is not a directory");
  }

  std::string generated_files;
  if (need_jwt) {
    fs::path path = dir / kJwtSecretFile;
    // 64 random bytes (512 bits, HMAC-SHA256's block size) as base64url text.
    CLV_ASSIGN_OR_RETURN(secrets.jwt_secret,
                         LoadOrCreate(path, RandomToken(64), DecodeJwtSecret,
                                      secrets.jwt_secret_generated));
    if (secrets.jwt_secret_generated) generated_files += path.string();
  }
  if (need_master) {
    fs::path path = dir / kMasterKeyFile;
    CLV_ASSIGN_OR_RETURN(secrets.master_key,
                         LoadOrCreate(path, HexEncode(RandomBytes(kMasterKeyBytes)),
                                      DecodeMasterKeyFile, secrets.master_key_generated));
    if (secrets.master_key_generated) {
      if (!generated_files.empty()) generated_files += " and ";
      generated_files += path.string();
    }
  }
  if (!generated_files.empty() && warn) {
    warn("generated " + generated_files +
         " because JWT_SECRET / CLV_MASTER_KEY are not set: back them up (sealed integration "
         "secrets cannot be recovered without the master key), and set both variables when "
         "running more than one instance");
  }
  return secrets;
}

}  // namespace clv::security
