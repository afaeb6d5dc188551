// Read-only memory mapping of a whole file.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "io/io.h"

namespace skbridge::io {
namespace {

Error OpenError(const std::string& path, const std::string& what) {
  Error e = Error::Io("cannot open: " + what);
  e.InFile(path);
  return e;
}

// Closes the descriptor on every path out of Open(); the mapping does not need it.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::Open(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw OpenError(path, std::strerror(errno));
  FdCloser closer{fd};

  struct stat st;
  if (::fstat(fd, &st) != 0) throw OpenError(path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw OpenError(path, "Is a directory");
  // Pipes and devices cannot be mapped and have no reliable size.
  if (!S_ISREG(st.st_mode)) throw OpenError(path, "not a regular file");
  if (st.st_size < 0 ||
      static_cast<std::uint64_t>(st.st_size) > std::numeric_limits<std::size_t>::max()) {
    throw OpenError(path, "file too large to map");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return std::shared_ptr<const MappedFile>(new MappedFile(path, nullptr, 0));

  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) throw OpenError(path, std::string("mmap failed: ") + std::strerror(errno));
  return std::shared_ptr<const MappedFile>(new MappedFile(path, static_cast<const std::byte*>(p), size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

}  // namespace skbridge::io
