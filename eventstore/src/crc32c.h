#pragma once
// CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and RocksDB) over a byte range. RocksDB keeps
// its implementation private, so the store carries its own: SSE4.2's crc32 instruction when the
// CPU has it, a slicing-by-8 table otherwise. Both give identical results (tested).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gongjian::eventstore {

// Extends `crc` (0 for a fresh computation) over `data`.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size);
// The table-driven implementation, exposed so tests can compare it with the hardware one.
std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t size);

inline std::uint32_t crc32c(std::string_view bytes) { return crc32c_extend(0, bytes.data(), bytes.size()); }

}  // namespace gongjian::eventstore
