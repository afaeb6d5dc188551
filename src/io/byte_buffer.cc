#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <new>

#include "io/io.h"

namespace skbridge::io {
namespace {
std::size_t PageRound(std::size_t n) {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}
}  // namespace

ByteBuffer::ByteBuffer(std::span<const std::byte> bytes) {
  Resize(bytes.size());
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
}

ByteBuffer::ByteBuffer(ByteBuffer&& o) noexcept : data_(o.data_), size_(o.size_), mapped_(o.mapped_) {
  o.data_ = nullptr;
  o.size_ = o.mapped_ = 0;
}

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& o) noexcept {
  if (this != &o) {
    if (mapped_) munmap(data_, mapped_);
    data_ = o.data_;
    size_ = o.size_;
    mapped_ = o.mapped_;
    o.data_ = nullptr;
    o.size_ = o.mapped_ = 0;
  }
  return *this;
}

ByteBuffer::~ByteBuffer() {
  if (mapped_) munmap(data_, mapped_);
}

void ByteBuffer::Resize(std::size_t size) {
  std::size_t want = PageRound(size);
  if (want == 0) {
    if (mapped_) munmap(data_, mapped_);
    static std::byte empty[1];
    data_ = empty;  // never null, so spans and decoders get a real pointer
    size_ = mapped_ = 0;
    return;
  }
  if (want != mapped_) {
    void* p = mapped_ ? mremap(data_, mapped_, want, MREMAP_MAYMOVE)
                      : mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<std::byte*>(p);
    mapped_ = want;
  }
  if (size < size_) std::memset(data_ + size, 0, std::min(size_, mapped_) - size);  // keep "new bytes are zero"
  size_ = size;
}

}  // namespace skbridge::io
