// Serves the built web console (web/dist) beside the API: files under one root directory with
// their content types and cache headers, index.html for client-side routes, and nothing
// outside the root (no "..", no symlinks leading out). Static files need no token; the API
// under /api/ stays authenticated and is never answered from here.
#pragma once

#include <string>
#include <string_view>

#include "api/http.h"

namespace suanli::api {

class StaticFiles {
 public:
  // `root` is the console's directory; an empty root, or one without index.html, serves
  // nothing (enabled() is false).
  explicit StaticFiles(const std::string& root);

  bool enabled() const { return !root_.empty(); }
  const std::string& root() const { return root_; }

  // The response for a GET of the percent-decoded `path`: the file; index.html for a path
  // whose last segment has no extension (a client route such as /jobs/job_1); otherwise 404.
  // Hashed build assets (/assets/…) are cached for a year, everything else revalidates.
  // Thread-safe (reads the file system only).
  Response Serve(std::string_view path) const;

 private:
  Response File(const std::string& file, bool immutable) const;

  std::string root_;  // canonical, without a trailing slash
};

// The Content-Type for a file name by its extension (application/octet-stream if unknown).
std::string_view ContentTypeFor(std::string_view name);

}  // namespace suanli::api
