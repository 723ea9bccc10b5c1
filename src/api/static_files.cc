#include "api/static_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace suanli::api {

namespace fs = std::filesystem;

namespace {

// True when `path` could name a file under the root: absolute, and no empty, "." or ".."
// segment, backslash or NUL. (The server has already percent-decoded it, so "%2e%2e" is "..".)
bool SafePath(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos)
    return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg == "." || seg == "..") return false;
    if (seg.empty() && end != path.size()) return false;  // "//"
    start = end + 1;
  }
  return true;
}

bool Within(const std::string& root, const std::string& file) {
  return file.size() > root.size() && file.compare(0, root.size(), root) == 0 &&
         file[root.size()] == '/';
}

Response NotFoundResponse(std::string_view path) {
  return ErrorResponse(NotFound("no such file: " + std::string(path)));
}

}  // namespace

std::string_view ContentTypeFor(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  size_t dot = name.rfind('.');
  size_t slash = name.rfind('/');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    std::string_view ext = name.substr(dot);
    for (const auto& [e, type] : kTypes)
      if (e == ext) return type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const std::string& root) {
  if (root.empty()) return;
  std::error_code ec;
  fs::path canon = fs::canonical(root, ec);
  if (ec || !fs::is_regular_file(canon / "index.html", ec)) return;
  root_ = canon.string();
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Response StaticFiles::File(const std::string& file, bool immutable) const {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ErrorResponse(NotFound("no such file"));
  Response r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return ErrorResponse(Internal("cannot read " + file));
  r.content_type = std::string(ContentTypeFor(file));
  r.headers.push_back({"Cache-Control", immutable ? "public, max-age=31536000, immutable"
                                                  : "no-cache"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  return r;
}

Response StaticFiles::Serve(std::string_view path) const {
  if (!enabled() || !SafePath(path)) return NotFoundResponse(path);
  const std::string index = root_ + "/index.html";
  if (path == "/" || path == "/index.html") return File(index, false);
  std::error_code ec;
  fs::path target = fs::weakly_canonical(fs::path(root_ + std::string(path)), ec);
  if (!ec && Within(root_, target.string()) && fs::is_regular_file(target, ec)) {
    const bool hashed_asset = path.rfind("/assets/", 0) == 0;
    return File(target.string(), hashed_asset);
  }
  // A client route (/jobs/job_1, /map) gets the app; a missing file with an extension
  // (/assets/old.js) is a 404, never HTML in its place.
  std::string_view last = path.substr(path.rfind('/') + 1);
  if (last.find('.') == std::string_view::npos && path.rfind("/assets/", 0) != 0)
    return File(index, false);
  return NotFoundResponse(path);
}

}  // namespace suanli::api
