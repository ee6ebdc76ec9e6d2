#pragma once
// The dashboard's static files (config dashboard_dir), served from the same port as the API for
// GET requests outside /api/. Files are read on the store pool, never on a network thread.

#include <filesystem>
#include <optional>
#include <string_view>

#include "gongjian/server/api.h"

namespace gongjian::server {

// Reads the file for a request path under `root`: "/" is index.html, paths without an extension
// that name no file fall back to index.html (client-side routes). Refuses "..", hidden files and
// anything outside `root` (not_found). Blocking: call off the network threads.
api_response read_static_file(const std::filesystem::path& root, std::string_view request_path);

// The Content-Type for a file name's extension.
std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace gongjian::server
