#include "static_files.h"

#include <fstream>
#include <sstream>

#include "gongjian/server/router.h"

namespace gongjian::server {

std::string_view content_type_for(const std::filesystem::path& file) {
  const auto ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

api_response read_static_file(const std::filesystem::path& root, std::string_view request_path) {
  const api_error missing{error_kind::not_found, "no such file", "path", ""};
  auto decoded = percent_decode(request_path, false);
  if (!decoded || decoded->empty() || decoded->front() != '/') return error_response(missing);
  std::filesystem::path relative;
  std::string_view rest(*decoded);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty()) continue;
    // No parent directories, no hidden files, no NULs: the path stays inside root.
    if (segment.front() == '.' || segment.find('\0') != std::string_view::npos || segment.find('\\') != std::string_view::npos)
      return error_response(missing);
    relative /= std::string(segment);
  }
  std::error_code ec;
  auto file = root / relative;
  if (relative.empty() || std::filesystem::is_directory(file, ec)) file /= "index.html";
  if (!std::filesystem::is_regular_file(file, ec)) {
    if (relative.has_extension()) return error_response(missing);
    file = root / "index.html";
    if (!std::filesystem::is_regular_file(file, ec)) return error_response(missing);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return error_response(missing);
  std::ostringstream body;
  body << in.rdbuf();
  api_response response;
  response.content_type = content_type_for(file);
  response.body = body.str();
  response.headers.emplace_back("Cache-Control", file.filename() == "index.html" ? "no-cache" : "public, max-age=3600");
  return response;
}

}  // namespace gongjian::server
